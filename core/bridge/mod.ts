/** The bridge: plugins, event bus, upstreams, HTTP problems, auth and metrics. */
export { createBridge, type Bridge, type BridgeOptions, type PluginStatus } from "./bridge.ts";
export { definePlugin, type AnyPlugin, type BridgeEnv, type HttpSettings, type Plugin, type PluginContext, type PluginDefinition, type PluginHooks, type PluginUse } from "./plugin.ts";
export { EventBus, TooManySubscribersError, type EventBusOptions, type SubscriberKindStats } from "./bus.ts";
export type { BusEntry, EntryType } from "./entry.ts";
export { Subscription, type CloseReason, type OverflowPolicy, type SubscriptionOptions } from "./subscription.ts";
export { EntryRing, type Replay } from "./ring.ts";
export { REFUSED_LOGIN_RETRY_MS, Upstream, Upstreams, bridgeReconnect, type ConnectorWrapper, type UpstreamSpec, type UpstreamTls } from "./upstream.ts";
export { Authenticator, type AuthOptions, type TokenSpec } from "./auth.ts";
export { OPEN_POLICY, actionRefusal, dangerousGrantFor, mayRead, maySeeServer, type CallGrant, type CallLimits, type DangerousGrant, type Grant, type TokenPolicy } from "./grants.ts";
export { HttpProblem, problemResponse } from "./problem.ts";
export { Metrics, LATENCY_BUCKETS, type Counter, type Histogram, type Labels } from "./metrics.ts";
export { OpenApiRegistry, type RouteDescription, type RouteResponse } from "./openapi-registry.ts";
export { createLogger, redactText, silentLogger, type LogLevel, type Logger } from "./logger.ts";
export { BridgeError, type BridgeErrorCode } from "./errors.ts";
export { describeIssues, resolvePlugins } from "./registry.ts";
export { openBridgeJournal, type BridgeJournalOptions } from "./journal.ts";
