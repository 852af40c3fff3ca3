/** Route descriptions that plugins register and the `openapi` plugin turns into a document. */
import type * as v from "valibot";

/** One response of a described route. */
export interface RouteResponse {
  description: string;
  /** Media type of the body; default `application/json`. */
  contentType?: string;
  schema?: v.GenericSchema;
}

/** One route, described with the same valibot schemas that validate it. */
export interface RouteDescription {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path, `{param}` style. */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** Whether the route needs a token. Default true. */
  secured?: boolean;
  params?: Record<string, { schema: v.GenericSchema; description?: string }>;
  query?: Record<string, { schema: v.GenericSchema; description?: string; required?: boolean }>;
  body?: { schema: v.GenericSchema; description?: string; contentType?: string };
  responses: Record<number, RouteResponse>;
}

/** Collects {@link RouteDescription}s in registration order. */
export class OpenApiRegistry {
  readonly routes: RouteDescription[] = [];

  /** Adds a route description. */
  describe(route: RouteDescription): void {
    this.routes.push(route);
  }
}
