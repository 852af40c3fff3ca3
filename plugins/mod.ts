/** The plugins that ship with amibridge, in the order `amibridge serve` loads them. */
import type { AnyPlugin } from "../core/bridge/plugin.ts";
import { actionsPlugin } from "./actions/mod.ts";
import { callsPlugin } from "./calls/mod.ts";
import { callfilesPlugin } from "./callfiles/mod.ts";
import { consolePlugin } from "./console/mod.ts";
import { eventsPlugin } from "./events/mod.ts";
import { healthPlugin } from "./health/mod.ts";
import { metricsPlugin } from "./metrics/mod.ts";
import { openapiPlugin } from "./openapi/mod.ts";
import { tlsPlugin } from "./tls/mod.ts";
import { webhooksPlugin } from "./webhooks/mod.ts";

export { actionsPlugin, callfilesPlugin, callsPlugin, consolePlugin, eventsPlugin, healthPlugin, metricsPlugin, openapiPlugin, tlsPlugin, webhooksPlugin };

/** Every built-in plugin; pass your own after them to `createBridge({ plugins })`. */
export const builtinPlugins: readonly AnyPlugin[] = [
  tlsPlugin,
  healthPlugin,
  metricsPlugin,
  actionsPlugin,
  callsPlugin,
  callfilesPlugin,
  eventsPlugin,
  webhooksPlugin,
  openapiPlugin,
  consolePlugin,
];
