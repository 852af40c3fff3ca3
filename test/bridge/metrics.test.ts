/** The Prometheus registry: the text format, label escaping, histograms, and collectors that fail. */
import { describe, expect, test } from "bun:test";
import { Metrics } from "../../core/bridge/mod.ts";

describe("metrics registry", () => {
  test("renders counters, collected gauges and histograms in the text format", () => {
    const metrics = new Metrics();
    const actions = metrics.counter("amibridge_test_actions_total", "Actions sent.");
    actions.inc({ server: "pbx1", action: "Ping" });
    actions.inc({ action: "Ping", server: "pbx1" }, 2);
    metrics.collect("amibridge_test_up", "Upstream up.", () => [[{ server: "pbx1" }, 1]]);
    const latency = metrics.histogram("amibridge_test_seconds", "Latency.", [0.01, 0.1]);
    latency.observe(0.005, { server: "pbx1" });
    latency.observe(0.05, { server: "pbx1" });
    latency.observe(5, { server: "pbx1" });
    expect(metrics.render()).toBe(
      [
        "# HELP amibridge_test_actions_total Actions sent.",
        "# TYPE amibridge_test_actions_total counter",
        'amibridge_test_actions_total{server="pbx1",action="Ping"} 3',
        "# HELP amibridge_test_up Upstream up.",
        "# TYPE amibridge_test_up gauge",
        'amibridge_test_up{server="pbx1"} 1',
        "# HELP amibridge_test_seconds Latency.",
        "# TYPE amibridge_test_seconds histogram",
        'amibridge_test_seconds_bucket{server="pbx1",le="0.01"} 1',
        'amibridge_test_seconds_bucket{server="pbx1",le="0.1"} 2',
        'amibridge_test_seconds_bucket{server="pbx1",le="+Inf"} 3',
        'amibridge_test_seconds_sum{server="pbx1"} 5.055',
        'amibridge_test_seconds_count{server="pbx1"} 3',
        "",
      ].join("\n"),
    );
  });

  test("escapes quotes, backslashes and newlines in label values", () => {
    const metrics = new Metrics();
    metrics.collect("amibridge_test_info", "Info.", () => [[{ subject: 'CN="a\\b"\nX' }, 1]]);
    expect(metrics.render()).toContain('amibridge_test_info{subject="CN=\\"a\\\\b\\"\\nX"} 1');
  });

  test("a collector that throws is left out; the rest still render", () => {
    const metrics = new Metrics();
    metrics.collect("amibridge_test_broken", "Broken.", () => {
      throw new Error("boom");
    });
    metrics.collect("amibridge_test_fine", "Fine.", () => 2);
    expect(metrics.render()).toBe("# HELP amibridge_test_fine Fine.\n# TYPE amibridge_test_fine gauge\namibridge_test_fine 2\n");
  });

  test("refuses bad names and double registration", () => {
    const metrics = new Metrics();
    expect(() => metrics.counter("bad-name", "x")).toThrow("Prometheus metric name");
    metrics.counter("amibridge_x_total", "x");
    expect(() => metrics.counter("amibridge_x_total", "x")).toThrow("registered once");
  });
});
