/**
 * What both bridge processes of `npm run bench:fanout` (amibridge and the baseline) measure the
 * same way: their command-line options, peak memory sampled every 50 ms from start, and the
 * memory still held after forced full collections.
 */
import process from "node:process";

/** The value after `--name`, or `fallback`. */
export function option(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

/** Highest RSS and heapUsed seen so far. */
export const peaks = { rss: 0, heapUsed: 0 };

/** Takes one memory sample into {@link peaks}; also runs every 50 ms once this module loads. */
export function sample(): void {
  const m = process.memoryUsage();
  if (m.rss > peaks.rss) peaks.rss = m.rss;
  if (m.heapUsed > peaks.heapUsed) peaks.heapUsed = m.heapUsed;
}
sample();
setInterval(sample, 50).unref();

/**
 * What the process still holds: full collections, with pauses so that freed ArrayBuffers are
 * swept (V8 releases their memory after the collection), then memoryUsage(). The peaks are taken
 * before this. Empty without a way to collect (Node needs --expose-gc).
 */
export async function afterGc(): Promise<Record<string, number>> {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  const collect = () => (g.Bun ? g.Bun.gc(true) : g.gc?.());
  if (!g.Bun && !g.gc) return {};
  for (let i = 0; i < 3; i++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}
