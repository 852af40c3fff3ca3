/**
 * The methods a path answers to, for the 405 of a known route asked with the wrong method: the
 * app's own routes (middleware excepted) in a router of their own, asked once per method.
 */
import type { RouterRoute } from "hono/types";
import { TrieRouter } from "hono/router/trie-router";

/** Methods a route may be registered for; `HEAD` follows `GET`, as in the app. */
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** Answers which methods a path has routes for; rebuilt when the app gained routes. */
export class AllowedMethods {
  readonly #routes: () => readonly RouterRoute[];
  #router: TrieRouter<true> | undefined;
  #built = -1;

  constructor(routes: () => readonly RouterRoute[]) {
    this.#routes = routes;
  }

  /** `["GET", "HEAD"]`, `["POST"]` …; empty when no route has the path. */
  for(path: string): string[] {
    const routes = this.#routes();
    if (this.#router === undefined || this.#built !== routes.length) {
      this.#router = new TrieRouter<true>();
      // "ALL" is how the app records middleware (auth, body limit, CORS): those match every path.
      for (const route of routes) if (route.method !== "ALL") this.#router.add(route.method, route.path, true);
      this.#built = routes.length;
    }
    const router = this.#router;
    const allowed: string[] = [];
    for (const method of METHODS) {
      if (router.match(method, path)[0].length === 0) continue;
      allowed.push(method);
      if (method === "GET") allowed.push("HEAD");
    }
    return allowed;
  }
}
