/**
 * Subscriber filters from query parameters (`events`, `server`, `match`, `types`), compiled once
 * into one predicate. The bus calls it for every entry and every subscriber, so it only does set
 * lookups and precompiled RegExp tests, and allocates nothing per call.
 */
import type { BusEntry } from "../../core/bridge/entry.ts";
import { mayRead, maySeeServer, type TokenPolicy } from "../../core/bridge/grants.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { Upstreams } from "../../core/bridge/upstream.ts";

/** Decides whether a subscriber receives an entry. */
export type EntryPredicate = (entry: BusEntry) => boolean;

/** Notice types when the caller does not pass the bus's own list. */
const BUILTIN_NOTICES: readonly string[] = ["gap", "upstream"];
const EVENT_NAME = /^[A-Za-z0-9_*-]+$/;
const HEADER_NAME = /^[^\s:]+$/;
/** Distinct event names whose verdict is remembered; past it names are tested without the memo. */
const MEMO_LIMIT = 512;
/**
 * Most `*` in one pattern, and its longest length: each `*` becomes `.*`, and a pattern with many
 * of them backtracks polynomially on a long header value, so one token holder could stall the
 * fan-out for everybody.
 */
const MAX_WILDCARDS = 4;
const MAX_PATTERN_LENGTH = 256;
/** Most `match=` conditions and `events=` names per subscriber: each is work for every entry. */
const MAX_MATCHES = 16;
const MAX_NAMES = 64;

function checkGlob(field: string, glob: string, whole: string): void {
  const stars = glob.split("*").length - 1;
  if (stars > MAX_WILDCARDS || glob.length > MAX_PATTERN_LENGTH) {
    throw badFilter(field, `a pattern of at most ${MAX_PATTERN_LENGTH} characters with at most ${MAX_WILDCARDS} * wildcards`, whole);
  }
}

function badFilter(field: string, expected: string, got: string): HttpProblem {
  return new HttpProblem(400, `${field}: expected ${expected}, got ${JSON.stringify(got)}`, { extras: { field } });
}

/** An anchored RegExp for a `*` glob; every other character is literal. */
export function globSource(glob: string): string {
  return glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
}

/** The comma-separated items of every occurrence of `field`; undefined when it is absent. */
function listParam(query: URLSearchParams, field: string, expected: string): string[] | undefined {
  const raw = query.getAll(field);
  if (raw.length === 0) return undefined;
  const items: string[] = [];
  for (const value of raw) {
    for (const item of value.split(",")) {
      const trimmed = item.trim();
      if (trimmed === "") throw badFilter(field, expected, value);
      items.push(trimmed);
    }
  }
  return items;
}

/** Case-insensitive event name test, with a memo so a name seen before costs one Map lookup. */
function compileNames(names: readonly string[]): (name: string) => boolean {
  const pattern = new RegExp(`^(?:${names.map(globSource).join("|")})$`, "i");
  const memo = new Map<string, boolean>();
  return (name) => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const verdict = pattern.test(name);
    if (memo.size < MEMO_LIMIT) memo.set(name, verdict);
    return verdict;
  };
}

interface HeaderMatch {
  header: string;
  pattern: RegExp;
}

function parseMatch(value: string): HeaderMatch {
  const colon = value.indexOf(":");
  const header = colon < 0 ? "" : value.slice(0, colon).trim();
  if (colon < 0 || !HEADER_NAME.test(header)) throw badFilter("match", "Header:pattern", value);
  checkGlob("match", value.slice(colon + 1).trim(), value);
  // Values are matched case-insensitively, like event names: `match=Context:From-Internal` just works.
  return { header, pattern: new RegExp(`^${globSource(value.slice(colon + 1).trim())}$`, "i") };
}

/**
 * Compiles the filters of one subscriber, combined with the token's read policy. Throws a 400
 * {@link HttpProblem} naming the parameter when one does not parse, and a 403 when `server`
 * names an upstream the token may not use.
 */
export function compileFilter(query: URLSearchParams, upstreams: Upstreams, policy: TokenPolicy, noticeTypes: readonly string[] = BUILTIN_NOTICES): EntryPredicate {
  const names = listParam(query, "events", "comma-separated event names (letters, digits, _ and -, * as a wildcard)");
  for (const name of names ?? []) {
    if (!EVENT_NAME.test(name)) throw badFilter("events", "event names of letters, digits, _ and -, with * as a wildcard", name);
    checkGlob("events", name, name);
  }

  const serverList = listParam(query, "server", `comma-separated server names (${upstreams.names().join(", ")})`);
  for (const server of serverList ?? []) {
    if (!upstreams.get(server)) throw badFilter("server", `one of ${upstreams.names().join(", ") || "no configured servers"}`, server);
    if (!maySeeServer(policy, server)) {
      throw new HttpProblem(403, `server: token ${JSON.stringify(policy.name)} may not use the server ${JSON.stringify(server)}`, { extras: { field: "server" } });
    }
  }

  const entryTypes = ["event", ...noticeTypes];
  const typeList = listParam(query, "types", `a comma-separated list of ${entryTypes.join(", ")}`);
  let types: Set<string> | undefined;
  if (typeList) {
    types = new Set();
    for (const type of typeList) {
      if (!entryTypes.includes(type)) throw badFilter("types", `a comma-separated list of ${entryTypes.join(", ")}`, type);
      types.add(type);
    }
  }

  if ((names?.length ?? 0) > MAX_NAMES) throw badFilter("events", `at most ${MAX_NAMES} event names`, `${names!.length} names`);
  const matchParams = query.getAll("match");
  if (matchParams.length > MAX_MATCHES) throw badFilter("match", `at most ${MAX_MATCHES} match= conditions`, `${matchParams.length} conditions`);
  const matches = matchParams.map(parseMatch);
  const nameTest = names ? compileNames(names) : undefined;
  const servers = serverList ? new Set(serverList) : undefined;
  const matchCount = matches.length;

  return (entry) => {
    if (types !== undefined && !types.has(entry.type)) return false;
    if (servers !== undefined && !servers.has(entry.server)) return false;
    // Name and header filters select AMI events; the bridge's notices always pass them.
    if (entry.type === "event") {
      if (nameTest !== undefined && !nameTest(entry.name)) return false;
      for (let i = 0; i < matchCount; i++) {
        const match = matches[i]!;
        // The first value of the header: AMI events rarely repeat the headers worth filtering on.
        const value = entry.message?.get(match.header);
        if (value === undefined || !match.pattern.test(value)) return false;
      }
    }
    return mayRead(policy, entry);
  };
}
