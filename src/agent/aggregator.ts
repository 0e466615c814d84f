/**
 * `agent aggregate`: on a schedule, read every node's snapshot, audit the cluster through the API,
 * evaluate everything into one ScanRun, store it (keeping the newest --keep), and serve the results
 * as Prometheus metrics on /metrics, with /healthz for the kubelet. Scans never overlap.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Catalog } from '../catalog/load-catalog.js';
import type { Benchmark } from '../model/benchmark.js';
import type { FactSnapshot } from '../model/fact.js';
import type { ControlResult, ScanRun } from '../model/result.js';
import { TOOL_VERSION } from '../version.js';
import { usageError } from '../errors/rke-harden-error.js';
import type { AgentKube } from './kube-store.js';
import { A, SNAPSHOT_COMPONENT, selectorFor } from './labels.js';
import { buildMetrics, type AggregatorState, type ScanRecord } from './metrics.js';
import { CONTENT_TYPE, renderMetrics } from './exposition.js';
import { assembleScan } from './scan.js';
import { ScanStore } from './scan-store.js';
import { nextRun, type Schedule } from './schedule.js';
import { configMapToEnvelope, EnvelopeError, type SnapshotEnvelope } from './snapshot-envelope.js';

export interface ClusterAudit {
  snapshot: FactSnapshot;
  benchmark: Benchmark;
  results: ControlResult[];
}

export interface AggregatorOptions {
  namespace: string;
  schedule: Schedule;
  keep: number;
  maxSnapshotAgeMs: number;
  /** A scan running longer than this makes /healthz fail (the kubelet then restarts the pod). */
  scanTimeoutMs: number;
  benchmark?: string;
  /** Scan once at start (after initialDelayMs), then on the schedule. */
  scanOnStart: boolean;
  initialDelayMs: number;
  /** Skip the cluster audit (nodes only). */
  skipCluster?: boolean;
  /** The node agents' nodeSelector as a label selector: only the nodes it selects are expected to publish. */
  nodeSelector?: string;
}

export interface AggregatorDeps {
  kube: AgentKube;
  catalog: Catalog;
  /** The cluster audit (auditCluster in production). */
  auditCluster: () => Promise<ClusterAudit>;
  /** Waivers applied to each run before it is stored. */
  applyWaivers?: (run: ScanRun, now: Date) => ScanRun;
  log: (line: string) => void;
  now?: () => Date;
}

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Aggregator {
  readonly state: AggregatorState = { version: TOOL_VERSION, scans: { success: 0, failure: 0 }, running: false };
  private readonly store: ScanStore;
  private readonly now: () => Date;
  private runningSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private current: Promise<ScanRecord | undefined> | undefined;

  constructor(
    private readonly o: AggregatorOptions,
    private readonly d: AggregatorDeps,
  ) {
    this.store = new ScanStore(d.kube, o.namespace);
    this.now = d.now ?? (() => new Date());
  }

  private async readSnapshots(): Promise<{ envelopes: SnapshotEnvelope[]; invalid: { node?: string; object: string; error: string }[] }> {
    const objects = await this.d.kube.listConfigMaps(this.o.namespace, selectorFor(SNAPSHOT_COMPONENT));
    const envelopes: SnapshotEnvelope[] = [];
    const invalid: { node?: string; object: string; error: string }[] = [];
    for (const cm of objects) {
      try {
        envelopes.push(configMapToEnvelope(cm));
      } catch (e) {
        if (!(e instanceof EnvelopeError)) throw e;
        const node = cm.metadata.annotations?.[A.node];
        invalid.push({ ...(node ? { node } : {}), object: cm.metadata.name, error: e.message });
      }
    }
    return { envelopes, invalid };
  }

  /** The nodes the node agents run on, and (with a node selector) the others. */
  private async listNodes(): Promise<{ n: string[]; unselected: string[] }> {
    const selector = this.o.nodeSelector;
    if (!selector) return { n: await this.d.kube.listNodeNames(), unselected: [] };
    const [selected, all] = await Promise.all([this.d.kube.listNodeNames(selector), this.d.kube.listNodeNames()]);
    const chosen = new Set(selected);
    return { n: selected, unselected: all.filter((x) => !chosen.has(x)) };
  }

  /** One scan; never throws (a failure is recorded in the state). Concurrent calls share one scan. */
  scan(): Promise<ScanRecord | undefined> {
    this.current ??= this.scanNow().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async scanNow(): Promise<ScanRecord | undefined> {
    const startedAt = this.now();
    const t0 = performance.now();
    this.state.running = true;
    this.runningSince = Date.now();
    try {
      const [snaps, nodes, cluster] = await Promise.all([
        this.readSnapshots(),
        this.listNodes().then((n) => n, (e: Error) => ({ e: e.message })),
        this.o.skipCluster ? Promise.resolve(undefined) : this.d.auditCluster().then((c) => c, (e: Error) => ({ error: e.message })),
      ]);
      const outcome = assembleScan({
        catalog: this.d.catalog,
        envelopes: snaps.envelopes,
        invalid: snaps.invalid,
        nodes: 'n' in nodes ? nodes.n : undefined,
        ...('e' in nodes ? { nodesError: nodes.e } : {}),
        ...('unselected' in nodes && nodes.unselected.length ? { unselected: { selector: this.o.nodeSelector!, nodes: nodes.unselected } } : {}),
        cluster,
        ...(this.o.benchmark ? { benchmark: this.o.benchmark } : {}),
        maxSnapshotAgeMs: this.o.maxSnapshotAgeMs,
        now: this.now(),
        startedAt,
      });
      const run = this.d.applyWaivers ? this.d.applyWaivers(outcome.run, this.now()) : outcome.run;
      const existing = await this.store.list();
      const stored = await this.store.save(run, startedAt, existing, outcome.nodes);
      const written = new Set(stored.objects.map((o) => o.metadata.name));
      const pruned = await this.store.prune(this.o.keep, stored.id, [...existing.filter((o) => !written.has(o.metadata.name)), ...stored.objects]);
      const finishedAt = this.now();
      const durationSeconds = (performance.now() - t0) / 1000;
      const record: ScanRecord = { run, nodes: outcome.nodes, durationSeconds, finishedAt, storedAs: stored.name };
      Object.assign(this.state, {
        lastSuccess: record,
        lastAttemptAt: finishedAt,
        lastAttemptDurationSeconds: durationSeconds,
        lastAttemptOk: true,
        storedScans: pruned.kept,
      });
      delete this.state.lastError;
      this.state.scans.success++;
      const s = run.summary;
      this.d.log(
        `scan ${stored.name} stored (${stored.parts} object${stored.parts === 1 ? '' : 's'}) in ${durationSeconds.toFixed(1)} s: ` +
          `${run.targets.length} targets, pass ${s.pass}, fail ${s.fail}, error ${s.error}, manual ${s.manual}; ` +
          `nodes ${outcome.nodes.map((n) => `${n.node}=${n.state}`).join(' ') || 'none'}; kept ${pruned.kept}, deleted ${pruned.deleted.length}`,
      );
      for (const w of outcome.warnings) this.d.log(`warning: ${w}`);
      return record;
    } catch (e) {
      const finishedAt = this.now();
      Object.assign(this.state, {
        lastAttemptAt: finishedAt,
        lastAttemptDurationSeconds: (performance.now() - t0) / 1000,
        lastAttemptOk: false,
        lastError: (e as Error).message,
      });
      this.state.scans.failure++;
      this.d.log(`scan failed: ${(e as Error).message}`);
      return undefined;
    } finally {
      this.state.running = false;
      this.runningSince = undefined;
    }
  }

  /** Healthy unless a scan has been running longer than the scan timeout. */
  healthy(): { ok: boolean; detail: string } {
    if (this.runningSince !== undefined && Date.now() - this.runningSince > this.o.scanTimeoutMs) {
      return { ok: false, detail: `a scan has been running for ${Math.round((Date.now() - this.runningSince) / 1000)} s (limit ${this.o.scanTimeoutMs / 1000} s)` };
    }
    return { ok: true, detail: 'ok' };
  }

  metricsText(opts?: { processMetrics?: boolean }): Promise<string> {
    return renderMetrics(buildMetrics(this.state), opts);
  }

  /**
   * Run `fn` at `when`. setTimeout takes at most 2^31-1 ms (~24.8 days; a longer delay fires at once), so
   * a later time (`@monthly`, `0 0 1 1 *`) is reached in steps.
   */
  private at(when: Date, fn: () => void): void {
    if (this.stopped) return;
    const wait = when.getTime() - this.now().getTime();
    this.timer = wait > MAX_TIMER_MS ? setTimeout(() => this.at(when, fn), MAX_TIMER_MS) : setTimeout(fn, Math.max(0, wait));
  }

  /**
   * The newest stored run, as the last successful scan until this process makes its own: a restart
   * (an upgrade, a rescheduled pod) keeps the control metrics and the last-scan time instead of
   * dropping them until the next scan, which made alerts resolve and fire again. The node states
   * stored with it come back too (a run stored before they were has none: they wait for the scan).
   */
  async restore(): Promise<void> {
    try {
      const { run, nodes } = await this.store.loadWithNodes('latest');
      const finishedAt = new Date(run.finishedAt);
      this.state.lastSuccess = { run, nodes, durationSeconds: Math.max(0, (finishedAt.getTime() - Date.parse(run.startedAt)) / 1000), finishedAt };
      this.d.log(`restored the last stored scan (finished ${run.finishedAt}): its results are served until the next scan`);
    } catch (e) {
      this.d.log(`no stored scan restored: ${(e as Error).message}`);
    }
  }

  /** Start the schedule. */
  start(): void {
    // The period the stale alert counts in (an hourly schedule's scans are stale after hours, a daily one's after days).
    const afterNext = (next: Date) => (nextRun(this.o.schedule, next).getTime() - next.getTime()) / 1000;
    const plan = (after: Date) => {
      if (this.stopped) return;
      const next = nextRun(this.o.schedule, after);
      this.state.nextScanAt = next;
      this.state.scanIntervalSeconds = afterNext(next);
      this.at(next, () => {
        void this.scan().then(() => plan(next.getTime() > this.now().getTime() ? next : this.now()));
      });
    };
    if (this.o.scanOnStart) {
      const first = new Date(this.now().getTime() + this.o.initialDelayMs);
      this.state.nextScanAt = first;
      this.state.scanIntervalSeconds = afterNext(nextRun(this.o.schedule, first));
      this.timer = setTimeout(() => void this.scan().then(() => plan(this.now())), this.o.initialDelayMs);
    } else {
      plan(this.now());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }
}

/** `:9090`, `0.0.0.0:9090`, `127.0.0.1:0`, `[::1]:9090` → host and port. */
export function parseListen(text: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw usageError(`--listen ${JSON.stringify(text)}: expected [HOST]:PORT, e.g. :9090`);
  const host = m[1] ?? (m[2] || undefined);
  return { host, port };
}

/** The HTTP server: GET /metrics, /healthz; anything else 404. */
export function serve(agg: Aggregator, listen: { host: string | undefined; port: number }): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      agg.metricsText().then(
        (body) => res.writeHead(200, { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
        (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics: ${e.message}\n`),
      );
      return;
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const h = agg.healthy();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${h.detail}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({ server, url: `http://${host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host}:${a.port}` });
    });
  });
}
