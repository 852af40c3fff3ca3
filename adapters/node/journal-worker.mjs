// The journal's thread on Node (adapters/shared/journal-worker.ts): a worker starts without the
// TypeScript loader the main thread registered in-process (bin/amibridge.mjs), so it registers its own.
import { register } from "tsx/esm/api";

register();
await import("../shared/journal-worker.ts");
