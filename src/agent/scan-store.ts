/**
 * ScanRuns kept in the cluster: ConfigMaps `rke-harden-scan-<id>` (id = UTC time, so names sort by
 * time), the run's JSON gzipped in binaryData. A run too big for one object (1 MiB; a large
 * cluster's run with every node's evidence) is split: `rke-harden-scan-<id>-part-N` hold the next
 * pieces of the same gzip stream, and the index object `rke-harden-scan-<id>` (written last,
 * deleted first) says how many parts there are, so a reader never sees half a run. The index also
 * carries the summary in annotations, for `kubectl get cm -L` and quick looks, and the nodes' states
 * (gzipped JSON), which a restarted aggregator serves until its first scan.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ScanRun } from '../model/result.js';
import type { AgentKube } from './kube-store.js';
import type { NodeReport } from './scan.js';
import { A, baseLabels, SCAN_COMPONENT, SCAN_ID, scanConfigMapName, scanIdFor, selectorFor } from './labels.js';
import type { ConfigMapObject } from './snapshot-envelope.js';

export const SCAN_KEY = 'scan.json.gz';
export const NODES_KEY = 'nodes.json.gz';
/** Bytes of gzip per object: base64 makes 700 KiB about 930 KiB, within the API server's limits. */
export const PART_BYTES = 700 * 1024;
const MAX_RUN_JSON = 512 * 1024 * 1024;

export class ScanStoreError extends Error {
  override name = 'ScanStoreError';
}

/** The objects of one run, parts first and the index last (the order to write them in). */
export function scanToConfigMaps(run: ScanRun, scanId: string, namespace: string, partBytes = PART_BYTES, nodes: NodeReport[] = []): ConfigMapObject[] {
  const gz = gzipSync(JSON.stringify(run), { level: 9 });
  // The node states ride in the index object (~30 bytes of gzip per node): its piece of the run is
  // that much smaller, so that no object outgrows partBytes.
  const nodesGz = gzipSync(JSON.stringify(nodes), { level: 9 });
  const chunks: Buffer[] = [];
  const first = Math.max(1, partBytes - nodesGz.length);
  chunks.push(gz.subarray(0, first));
  for (let i = first; i < gz.length; i += partBytes) chunks.push(gz.subarray(i, i + partBytes));
  const labels = { ...baseLabels(SCAN_COMPONENT), [A.scanId]: scanId };
  const objects = chunks.map((chunk, part): ConfigMapObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: scanConfigMapName(scanId, part),
      namespace,
      labels: { ...labels, [A.part]: String(part) },
      annotations: part === 0
        ? {
            [A.parts]: String(chunks.length),
            [A.summary]: JSON.stringify(run.summary),
            [A.benchmark]: run.benchmarks.map((b) => b.id).join(','),
            [A.startedAt]: run.startedAt,
            [A.finishedAt]: run.finishedAt,
          }
        : {},
    },
    binaryData: {
      [SCAN_KEY]: chunk.toString('base64'),
      ...(part === 0 ? { [NODES_KEY]: nodesGz.toString('base64') } : {}),
    },
  }));
  return [...objects.slice(1), objects[0]!];
}

const idOf = (cm: ConfigMapObject): string | undefined => cm.metadata.labels?.[A.scanId];
const partOf = (cm: ConfigMapObject): number => Number(cm.metadata.labels?.[A.part] ?? NaN);

/** The run from its objects (any order). Throws ScanStoreError when a part is missing or corrupt. */
export function configMapsToScan(objects: ConfigMapObject[], scanId: string): ScanRun {
  const mine = objects.filter((o) => idOf(o) === scanId);
  const index = mine.find((o) => partOf(o) === 0);
  if (!index) throw new ScanStoreError(`scan ${scanId}: no index object ${scanConfigMapName(scanId)}`);
  const parts = Number(index.metadata.annotations?.[A.parts]);
  if (!Number.isInteger(parts) || parts < 1) throw new ScanStoreError(`scan ${scanId}: ${A.parts} is not a count`);
  const chunks: Buffer[] = [];
  for (let p = 0; p < parts; p++) {
    const o = mine.find((x) => partOf(x) === p);
    const b64 = o?.binaryData?.[SCAN_KEY];
    if (b64 === undefined) throw new ScanStoreError(`scan ${scanId}: part ${p} of ${parts} is missing`);
    chunks.push(Buffer.from(b64, 'base64'));
  }
  try {
    return JSON.parse(gunzipSync(Buffer.concat(chunks), { maxOutputLength: MAX_RUN_JSON }).toString('utf8')) as ScanRun;
  } catch (e) {
    throw new ScanStoreError(`scan ${scanId}: cannot read: ${(e as Error).message}`);
  }
}

/** The node states stored with a scan ([] for a run stored before they were, or unreadable ones). */
export function configMapsToNodes(objects: ConfigMapObject[], scanId: string): NodeReport[] {
  const b64 = objects.find((o) => idOf(o) === scanId && partOf(o) === 0)?.binaryData?.[NODES_KEY];
  if (b64 === undefined) return [];
  try {
    const nodes = JSON.parse(gunzipSync(Buffer.from(b64, 'base64'), { maxOutputLength: MAX_RUN_JSON }).toString('utf8')) as unknown;
    return Array.isArray(nodes) ? (nodes as NodeReport[]) : [];
  } catch {
    return [];
  }
}

/** A scan id's time and sequence: `20261127-120000z-2` → ['20261127-120000z', 2]. */
function idParts(id: string): [string, number] {
  const m = /^(\d{8}-\d{6}z)(?:-(\d+))?$/.exec(id);
  return m ? [m[1]!, Number(m[2] ?? 0)] : [id, 0];
}

/** Ids in the order their runs were stored (`-10` after `-9`). */
export function compareScanIds(a: string, b: string): number {
  const [ta, na] = idParts(a);
  const [tb, nb] = idParts(b);
  return ta < tb ? -1 : ta > tb ? 1 : na - nb;
}

/**
 * The id of a run stored at `at`: its time, after every stored id. A second run in the same second (or
 * an earlier time: the clock went back) continues after the newest id with `-N`, so ids keep the
 * order runs were stored in, which `latest` and pruning follow.
 */
export function nextScanId(at: Date, taken: Iterable<string>): string {
  const base = scanIdFor(at);
  const newest = [...taken].filter((id) => SCAN_ID.test(id)).sort(compareScanIds).at(-1);
  if (!newest || compareScanIds(newest, base) < 0) return base;
  const [t, n] = idParts(newest);
  return `${t}-${n + 1}`;
}

/** Complete scans (index present) by id, oldest first. */
export function completeScanIds(objects: ConfigMapObject[]): string[] {
  return [...new Set(objects.filter((o) => partOf(o) === 0 && idOf(o) && SCAN_ID.test(idOf(o)!)).map((o) => idOf(o)!))].sort(compareScanIds);
}

/**
 * What to delete to keep the newest `keep` complete scans: the older scans (index first, then
 * parts), and parts whose index is gone (a write or delete that was cut short) except `writing`.
 */
export function planPrune(objects: ConfigMapObject[], keep: number, writing?: string): string[] {
  const complete = completeScanIds(objects);
  const drop = new Set(complete.slice(0, Math.max(0, complete.length - keep)));
  const completeSet = new Set(complete);
  const names: string[] = [];
  const sorted = [...objects].sort((a, b) => partOf(a) - partOf(b));
  for (const o of sorted) {
    const id = idOf(o);
    if (!id || id === writing) continue;
    if (drop.has(id) || !completeSet.has(id)) names.push(o.metadata.name);
  }
  return names;
}

export interface StoredScan {
  id: string;
  name: string;
  parts: number;
  /** The objects written (with the list before, what prune needs: no second list). */
  objects: ConfigMapObject[];
}

export class ScanStore {
  constructor(
    private readonly kube: AgentKube,
    private readonly namespace: string,
  ) {}

  async list(): Promise<ConfigMapObject[]> {
    return this.kube.listConfigMaps(this.namespace, selectorFor(SCAN_COMPONENT));
  }

  /** Store a run under a new id after every stored one (nextScanId). */
  async save(run: ScanRun, at: Date, existing?: ConfigMapObject[], nodes: NodeReport[] = []): Promise<StoredScan> {
    const id = nextScanId(at, (existing ?? (await this.list())).flatMap((o) => idOf(o) ?? []));
    const objects = scanToConfigMaps(run, id, this.namespace, PART_BYTES, nodes);
    for (const o of objects) await this.kube.applyConfigMap(o);
    return { id, name: scanConfigMapName(id), parts: objects.length, objects };
  }

  /**
   * Delete all but the newest `keep` scans. Returns how many complete scans remain. `known`: the
   * stored objects when the caller has them (the list before a save, plus what it wrote), else listed.
   */
  async prune(keep: number, writing?: string, known?: ConfigMapObject[]): Promise<{ deleted: string[]; kept: number }> {
    const objects = known ?? (await this.list());
    const deleted = planPrune(objects, keep, writing);
    for (const name of deleted) await this.kube.deleteConfigMap(this.namespace, name);
    const gone = new Set(deleted);
    return { deleted, kept: completeScanIds(objects.filter((o) => !gone.has(o.metadata.name))).length };
  }

  async load(scanId: string | 'latest'): Promise<ScanRun> {
    return (await this.loadWithNodes(scanId)).run;
  }

  /** A stored run with the node states stored with it. */
  async loadWithNodes(scanId: string | 'latest'): Promise<{ run: ScanRun; nodes: NodeReport[] }> {
    const objects = await this.list();
    const id = scanId === 'latest' ? completeScanIds(objects).at(-1) : scanId;
    if (!id) throw new ScanStoreError(`no scans stored in namespace ${this.namespace}`);
    return { run: configMapsToScan(objects, id), nodes: configMapsToNodes(objects, id) };
  }
}
