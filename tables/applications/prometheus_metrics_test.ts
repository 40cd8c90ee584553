import "./prometheus_metrics.ts";
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import {
  applyPrometheusTargetsConfig,
  parseExposition,
  prometheusTargets,
  setPrometheusTargets,
} from "./prometheus_metrics.ts";

async function withTarget(fn: (base: string) => void | Promise<void>) {
  const worker = new Worker(new URL("../../testdata/applications/prometheus_server.ts", import.meta.url), {
    type: "module",
  });
  const port = await new Promise<number>((resolve) => {
    worker.onmessage = (e: MessageEvent<{ port: number }>) => resolve(e.data.port);
    worker.postMessage({});
  });
  try {
    await fn(`http://127.0.0.1:${port}`);
  } finally {
    setPrometheusTargets([]);
    worker.terminate();
  }
}

Deno.test("prometheus_metrics: without configured targets the table is empty", () => {
  setPrometheusTargets([]);
  const engine = new Engine();
  try {
    assertEquals(engine.query("SELECT * FROM prometheus_metrics"), []);
  } finally {
    engine.close();
  }
});

Deno.test("prometheus_metrics: every sample of each target, labels kept in the name, scrape time in ms", async () => {
  await withTarget((base) => {
    setPrometheusTargets([`${base}/metrics`]);
    const engine = new Engine();
    try {
      const before = Date.now();
      const rows = engine.query("SELECT * FROM prometheus_metrics");
      assertEquals(rows.map((r) => [r.metric_name, r.metric_value]), [
        ['node_cpu_seconds_total{cpu="0",mode="idle"}', 88314.52],
        ['node_cpu_seconds_total{cpu="0",mode="user"}', 1742.1],
        ["node_load1", 0.37],
        ['go_gc_duration_seconds{quantile="0.5"}', 3.4e-05],
        ['http_requests_total{handler="/api/v1/query",note="a \\"quoted\\" } brace"}', 1027],
        ["process_max_fds", null], // the core stores non-finite doubles as NULL
        ["process_weird", null],
      ]);
      assert(rows.every((r) => r.target_name === `${base}/metrics`));
      const stamp = Number(rows[0].timestamp_ms);
      assert(stamp >= before && stamp <= Date.now(), `timestamp ${stamp} is the scrape time`);
    } finally {
      engine.close();
    }
  });
});

Deno.test("prometheus_metrics: redirects are followed; failing or slow targets give no rows", async () => {
  await withTarget((base) => {
    setPrometheusTargets([`${base}/moved`, `${base}/broken`, `${base}/slow`, "http://127.0.0.1:1/metrics"], 1);
    const engine = new Engine();
    try {
      const rows = engine.query("SELECT target_name, count(*) AS n FROM prometheus_metrics GROUP BY 1");
      assertEquals(rows, [{ target_name: `${base}/moved`, n: 7 }]);
    } finally {
      engine.close();
    }
  });
});

Deno.test("prometheus_metrics: the config value sets urls and timeout; a malformed one clears them", () => {
  assertEquals(applyPrometheusTargetsConfig({ urls: ["http://a/metrics", "http://b/metrics", 3], timeout: 5 }), 2);
  assertEquals(prometheusTargets(), { urls: ["http://a/metrics", "http://b/metrics"], timeout: 5 });
  assertEquals(applyPrometheusTargetsConfig({ timeout: 5 }), 0);
  assertEquals(applyPrometheusTargetsConfig("http://a/metrics"), 0);
  assertEquals(prometheusTargets(), { urls: [], timeout: 1 });
});

Deno.test("prometheus: the exposition parser skips comments, junk and unterminated label sets", () => {
  assertEquals(parseExposition('# HELP x y\n\nx 1\nx{a="1"} 2 1700000000000\njunk\nbad value\ny{a="\n'), [
    { metric: "x", value: 1 },
    { metric: 'x{a="1"}', value: 2 },
  ]);
});
