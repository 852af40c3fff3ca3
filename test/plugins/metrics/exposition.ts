/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be a
 * HELP, a TYPE or a sample of the family last TYPE'd, with valid names, escapes and numbers.
 */

/** One sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const HELP = new RegExp(`^# HELP (${NAME}) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([^=,"\s]+)="((?:[^"\\\n]|\\["\\n])*)"(?:,|$)/;
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/;

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

function unescapeLabel(text: string): string {
  return text.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== "") {
    const match = LABEL.exec(rest);
    if (!match || !LABEL_NAME.test(match[1]!)) throw new Error(`expected label pairs name="value", got ${JSON.stringify(line)}`);
    if (match[1]! in labels) throw new Error(`expected each label once, got ${match[1]} twice in ${JSON.stringify(line)}`);
    labels[match[1]!] = unescapeLabel(match[2]!);
    rest = rest.slice(match[0].length);
  }
  return labels;
}

/** Parses an exposition; throws naming the first line that breaks the grammar. */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  if (!text.endsWith("\n")) throw new Error("expected the exposition to end with a newline");
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  let family: { name: string; type: string } | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    const help = HELP.exec(line);
    if (help) continue;
    const type = TYPE.exec(line);
    if (type) {
      if (types.has(type[1]!)) throw new Error(`expected one TYPE per family, got ${type[1]} twice`);
      types.set(type[1]!, type[2]!);
      family = { name: type[1]!, type: type[2]! };
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample || !FLOAT.test(sample[3]!)) throw new Error(`expected a HELP, TYPE or sample line, got ${JSON.stringify(line)}`);
    const name = sample[1]!;
    const allowed = family?.type === "histogram" ? [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`] : [family?.name];
    if (!allowed.includes(name)) throw new Error(`expected samples of ${family?.name ?? "a TYPE'd family"}, got ${JSON.stringify(line)}`);
    samples.push({ name, labels: parseLabels(sample[2] ?? "", line), value: parseValue(sample[3]!) });
  }
  return { samples, types };
}

/** The value of the one sample named `name` whose labels include `labels`; undefined if none. */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`expected one ${name} sample with ${JSON.stringify(labels)}, got ${found.length}`);
  return found[0]?.value;
}

/** Fetches `/metrics` from `baseUrl` and parses it. */
export async function scrape(baseUrl: string, init?: RequestInit): Promise<{ text: string; samples: Sample[]; types: Map<string, string> }> {
  const response = await fetch(`${baseUrl}/metrics`, init);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`expected 200 from /metrics, got ${response.status}: ${text}`);
  return { text, ...parseExposition(text) };
}
