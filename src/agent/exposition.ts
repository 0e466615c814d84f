/**
 * The aggregator's /metrics body, written by prom-client from the families `buildMetrics` derives
 * from the aggregator's state, plus prom-client's process metrics (CPU, memory, event loop, GC) so
 * the aggregator itself can be watched.
 *
 * Why a registry per scrape: every control series is derived from the last stored run, and a
 * status change must end one series and start another. Rebuilding the registry from the pure
 * families makes that exact, where mutating long-lived gauges would need a reset on every scan
 * and could serve a half-updated set to a scrape that lands mid-update.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { MetricFamily } from './prom-text.js';

export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

let processRegistry: Registry | undefined;

/** One per process: the process metrics describe the process, whatever renders them. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

function register(f: MetricFamily, registry: Registry): void {
  const labelNames = [...new Set(f.samples.flatMap((s) => Object.keys(s.labels)))];
  // Names starting with __ are Prometheus's own; prom-client does not refuse them.
  const reserved = labelNames.find((l) => l.startsWith('__'));
  if (reserved) throw new Error(`Invalid label name ${reserved} on ${f.name}: names starting with __ are reserved`);
  const config = { name: f.name, help: f.help, labelNames, registers: [registry] };
  if (f.type === 'counter') {
    const c = new Counter(config);
    for (const s of f.samples) c.inc(s.labels, s.value);
  } else {
    const g = new Gauge(config);
    for (const s of f.samples) g.set(s.labels, s.value);
  }
}

/**
 * The text exposition of `families` (in their order, after the process metrics). A family without
 * samples is left out: prom-client would print a label-less gauge as 0, and "no scan yet" must
 * read as absent, not as a zero duration. Throws on an invalid name (a programming error).
 */
export async function renderMetrics(families: MetricFamily[], opts: { processMetrics?: boolean } = {}): Promise<string> {
  const scrape = new Registry();
  for (const f of families) if (f.samples.length) register(f, scrape);
  const registry = opts.processMetrics === false ? scrape : Registry.merge([processMetrics(), scrape]);
  return registry.metrics();
}
