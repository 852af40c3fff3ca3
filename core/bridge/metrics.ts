/**
 * A small Prometheus registry: counters, gauges read at scrape time, histograms. Rendered in the
 * text exposition format (version 0.0.4). Label values are escaped; secrets never belong here.
 */

/** Label names to values. */
export type Labels = Readonly<Record<string, string>>;

/** A monotonically increasing count. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

/** A distribution of observations in fixed buckets. */
export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

/** Samples a gauge or counter at scrape time. */
export type Collect = () => Iterable<readonly [Labels, number]> | number;

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  render(lines: string[]): void;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const parts = labels ? Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`) : [];
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function labelKey(labels: Labels | undefined): string {
  return labels ? JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))) : "";
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Default latency buckets, in seconds: 1 ms to 30 s. */
export const LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Where the bridge and its plugins register what `/metrics` shows. */
export class Metrics {
  readonly #families = new Map<string, Family>();

  /** A counter the code increments. */
  counter(name: string, help: string): Counter {
    const values = new Map<string, { labels: Labels | undefined; value: number }>();
    this.#add({
      name,
      help,
      type: "counter",
      render: (lines) => {
        for (const { labels, value } of values.values()) lines.push(`${name}${labelText(labels)} ${formatNumber(value)}`);
      },
    });
    return {
      inc: (labels, by = 1) => {
        const key = labelKey(labels);
        const slot = values.get(key);
        if (slot) slot.value += by;
        else values.set(key, { labels, value: by });
      },
    };
  }

  /** A value read when scraped: a gauge, or a counter kept elsewhere (`type: "counter"`). */
  collect(name: string, help: string, collect: Collect, type: "gauge" | "counter" = "gauge"): void {
    this.#add({
      name,
      help,
      type,
      render: (lines) => {
        const sample = collect();
        if (typeof sample === "number") lines.push(`${name} ${formatNumber(sample)}`);
        else for (const [labels, value] of sample) lines.push(`${name}${labelText(labels)} ${formatNumber(value)}`);
      },
    });
  }

  /** A histogram with cumulative buckets (upper bounds, ascending). */
  histogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS): Histogram {
    const series = new Map<string, { labels: Labels | undefined; counts: number[]; sum: number; count: number }>();
    this.#add({
      name,
      help,
      type: "histogram",
      render: (lines) => {
        for (const { labels, counts, sum, count } of series.values()) {
          let cumulative = 0;
          buckets.forEach((bound, i) => {
            cumulative += counts[i]!;
            lines.push(`${name}_bucket${labelText(labels, ["le", formatNumber(bound)])} ${cumulative}`);
          });
          lines.push(`${name}_bucket${labelText(labels, ["le", "+Inf"])} ${count}`);
          lines.push(`${name}_sum${labelText(labels)} ${formatNumber(sum)}`);
          lines.push(`${name}_count${labelText(labels)} ${count}`);
        }
      },
    });
    return {
      observe: (value, labels) => {
        const key = labelKey(labels);
        let slot = series.get(key);
        if (!slot) series.set(key, (slot = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 }));
        const index = buckets.findIndex((bound) => value <= bound);
        if (index >= 0) slot.counts[index]!++;
        slot.sum += value;
        slot.count++;
      },
    };
  }

  /** The text exposition of every family. A collector that throws is skipped, not fatal. */
  render(): string {
    const lines: string[] = [];
    for (const family of this.#families.values()) {
      const body: string[] = [];
      try {
        family.render(body);
      } catch {
        continue;
      }
      lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${family.name} ${family.type}`, ...body);
    }
    return `${lines.join("\n")}\n`;
  }

  #add(family: Family): void {
    if (!NAME.test(family.name)) throw new TypeError(`expected a Prometheus metric name like amibridge_events_total, got ${JSON.stringify(family.name)}`);
    if (this.#families.has(family.name)) throw new TypeError(`expected each metric to be registered once, got ${family.name} twice`);
    this.#families.set(family.name, family);
  }
}
