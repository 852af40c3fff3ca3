/**
 * Orders plugins so each comes after its dependencies, and validates their options. Fails fast,
 * with a coded {@link BridgeError}, on a duplicate name, a missing dependency, a cycle or
 * options that do not match the plugin's schema.
 */
import * as v from "valibot";
import { BridgeError } from "./errors.ts";
import { type AnyPlugin, type PluginDefinition, type PluginUse, toPluginUse } from "./plugin.ts";

/** A plugin ready for setup: its definition and validated options. */
export interface ResolvedPlugin {
  definition: PluginDefinition<v.GenericSchema>;
  options: unknown;
}

/** What came, unless the field holds a secret: then only its kind. */
function describeReceived(issue: v.BaseIssue<unknown>, path: string): string {
  if (/(secret|token|password|key)$/i.test(path)) return typeof issue.input === "string" ? `a string of ${issue.input.length} characters` : typeof issue.input;
  return issue.received;
}

/** One line per valibot issue: `path: expected X, received Y`. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], root: string): string[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue);
    return `${root}${path ? `.${path}` : ""}: expected ${issue.expected ?? "a valid value"}, received ${describeReceived(issue, path ?? "")}${issue.expected ? "" : ` (${issue.message})`}`;
  });
}

/** Validates options and orders plugins by their dependencies; see the module comment. */
export function resolvePlugins(plugins: readonly (AnyPlugin | PluginUse)[], configured: Readonly<Record<string, unknown>> = {}): ResolvedPlugin[] {
  const uses = plugins.map(toPluginUse);
  const byName = new Map<string, PluginUse>();
  for (const use of uses) {
    const name = use.plugin.name;
    if (byName.has(name)) throw new BridgeError("PLUGIN_DUPLICATE", `expected each plugin once, got ${JSON.stringify(name)} twice`);
    byName.set(name, use);
  }
  // Every options problem of every plugin is reported at once, so one `--check` run lists them all.
  const invalid: string[] = Object.keys(configured)
    .filter((name) => !byName.has(name))
    .map((name) => `plugins.${name}: expected the name of a loaded plugin (${[...byName.keys()].join(", ")}), received ${JSON.stringify(name)}`);
  for (const use of uses) {
    for (const dependency of use.plugin.dependencies ?? []) {
      if (!byName.has(dependency)) {
        throw new BridgeError("PLUGIN_MISSING_DEPENDENCY", `plugin ${JSON.stringify(use.plugin.name)} expected plugin ${JSON.stringify(dependency)} to be loaded too, but it is not`);
      }
    }
  }
  const ordered: ResolvedPlugin[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (use: PluginUse, trail: string[]) => {
    const name = use.plugin.name;
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new BridgeError("PLUGIN_CYCLE", `expected plugin dependencies without a cycle, got ${[...trail, name].join(" → ")}`);
    state.set(name, "visiting");
    for (const dependency of use.plugin.dependencies ?? []) visit(byName.get(dependency)!, [...trail, name]);
    state.set(name, "done");
    const validated = validateOptions(use, configured[name]);
    if (validated.ok) ordered.push({ definition: use.plugin, options: validated.options });
    else invalid.push(...validated.problems);
  };
  for (const use of uses) visit(use, []);
  if (invalid.length > 0) {
    throw new BridgeError("PLUGIN_INVALID_OPTIONS", invalid.length === 1 ? invalid[0]! : `${invalid.length} problems in plugin options:\n  ${invalid.join("\n  ")}`, { problems: invalid });
  }
  return ordered;
}

function validateOptions(use: PluginUse, configured: unknown): { ok: true; options: unknown } | { ok: false; problems: string[] } {
  const input = use.options ?? configured;
  const schema = use.plugin.options;
  if (!schema) return { ok: true, options: input };
  const result = v.safeParse(schema, input);
  if (!result.success) return { ok: false, problems: describeIssues(result.issues, `plugins.${use.plugin.name}`) };
  return { ok: true, options: result.output };
}
