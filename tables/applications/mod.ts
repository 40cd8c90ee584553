/**
 * Application tables that are neither packages nor containers: Prometheus targets' metrics and the
 * Carbon Black sensor's configuration. Importing this module registers each of them.
 *
 * @module
 */
import "./carbon_black_info.ts";
import "./prometheus_metrics.ts";
