/** The `actions` plugin and the schemas of its route. */
export { actionsPlugin, type ActionsOptions } from "./plugin.ts";
export { ActionBodySchema, ActionNameSchema, ActionResultSchema, ActionsOptionsSchema, HeaderValueSchema, VariablesSchema } from "./schema.ts";
export type { ActionResultBody } from "./result.ts";
