#!/usr/bin/env node
// `npx amibridge …` on Node: TypeScript runs through tsx, so there is no build step.
import { register } from "tsx/esm/api";

register();
await import("../adapters/node/main.ts");
