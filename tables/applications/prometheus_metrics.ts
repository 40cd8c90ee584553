/**
 * prometheus_metrics: scrapes the config's `prometheus_targets.urls` (through libcurl) and reports
 * every sample of each target's text exposition, with the time of the scrape.
 *
 * The config loader hands the targets over with {@linkcode setPrometheusTargets} (or
 * {@linkcode applyPrometheusTargetsConfig} with the raw config value); until it does, the table
 * has no targets and returns zero rows, as osquery does without the config key.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { curlRequest } from "../../core/net/curl.ts";
import { onConfigSection } from "../../core/config/sections.ts";

export default registerTable(defineTable({
  name: "prometheus_metrics",
  description: "Samples scraped from the Prometheus targets named in the config's prometheus_targets.",
  columns: [
    { name: "target_name", type: "TEXT", description: "The URL of the target the sample was scraped from." },
    { name: "metric_name", type: "TEXT", description: "The metric's name, with its labels when it has any." },
    { name: "metric_value", type: "DOUBLE", description: "The sample's value (NULL for NaN)." },
    { name: "timestamp_ms", type: "BIGINT", description: "When the target was scraped, in milliseconds since 1970." },
  ],
  *generate() {
    const timeoutMs = Math.round(timeoutSeconds * 1000);
    for (const url of [...targets].sort()) {
      const result = curlRequest({
        url,
        userAgent: "osquery",
        timeouts: { connectMs: timeoutMs, totalMs: timeoutMs },
        followRedirects: true,
      });
      if (!result.ok || result.status < 200 || result.status >= 300) continue; // target down: no samples
      const scraped = Date.now();
      for (const sample of parseExposition(new TextDecoder().decode(result.body))) {
        const row: Row = {
          target_name: url,
          metric_name: sample.metric,
          // SQLite has no NaN: it is stored as NULL.
          metric_value: Number.isNaN(sample.value) ? null : sample.value,
          timestamp_ms: scraped,
        };
        yield row;
      }
    }
  },
}));
let targets: string[] = [];
let timeoutSeconds = 1;

/**
 * Sets the URLs the table scrapes and the per-target timeout in seconds (osquery's default is 1).
 * The daemon/config loader must call this whenever the config's `prometheus_targets` changes.
 */
export function setPrometheusTargets(urls: string[], timeout = 1): void {
  targets = [...new Set(urls.filter((u) => typeof u === "string" && u !== ""))];
  timeoutSeconds = Number.isFinite(timeout) && timeout > 0 ? timeout : 1;
}

/**
 * Applies the config's `prometheus_targets` value (`{"urls": [...], "timeout": n}`); anything
 * without a `urls` array clears the targets. Returns the number of targets set.
 */
export function applyPrometheusTargetsConfig(value: unknown): number {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    setPrometheusTargets([]);
    return 0;
  }
  const { urls, timeout } = value as { urls?: unknown; timeout?: unknown };
  const list = Array.isArray(urls) ? urls.filter((u): u is string => typeof u === "string") : [];
  setPrometheusTargets(list, typeof timeout === "number" ? timeout : 1);
  return targets.length;
}

/** The targets currently set (in scrape order) and their timeout. */
export function prometheusTargets(): { urls: string[]; timeout: number } {
  return { urls: [...targets], timeout: timeoutSeconds };
}

/** One sample of the text exposition format: the series as written (name and labels) and its value. */
export interface Sample {
  metric: string;
  value: number;
}

function parseValue(text: string): number | undefined {
  switch (text) {
    case "+Inf":
    case "Inf":
      return Infinity;
    case "-Inf":
      return -Infinity;
    case "NaN":
      return NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Parses Prometheus' text exposition format: comments and blank lines are skipped, a label set
 * (whose quoted values may hold spaces, braces and escaped quotes) stays part of the series name,
 * and a line that is not `series value [timestamp]` is skipped.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    let end = 0;
    while (end < line.length && line[end] !== "{" && line[end] !== " " && line[end] !== "\t") end++;
    if (end < line.length && line[end] === "{") {
      let inQuotes = false;
      for (end++; end < line.length; end++) {
        const c = line[end];
        if (inQuotes && c === "\\") end++;
        else if (c === '"') inQuotes = !inQuotes;
        else if (!inQuotes && c === "}") break;
      }
      if (end >= line.length) continue; // unterminated label set
      end++;
    }
    const metric = line.slice(0, end);
    const rest = line.slice(end).trim().split(/[ \t]+/);
    if (metric === "" || rest[0] === "" || rest.length > 2) continue;
    const value = parseValue(rest[0]);
    if (value === undefined) continue;
    samples.push({ metric, value });
  }
  return samples;
}

// The config's `prometheus_targets` section reaches this module wherever a config is loaded.
onConfigSection("prometheus_targets", (value) => void applyPrometheusTargetsConfig(value));
