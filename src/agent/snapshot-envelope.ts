/**
 * A node's FactSnapshot as it travels from the node agent to the aggregator: a ConfigMap
 * `rke-harden-snapshot-<node>` in the agent's namespace, the snapshot JSON gzipped in
 * `binaryData["snapshot.json.gz"]` (a node's snapshot is tens of KB of JSON, a few KB gzipped: far
 * below the 1 MiB object limit), with who, when and how the collection went in annotations. A failed
 * or timed-out collection is published too, without a snapshot: the aggregator then reports the
 * node's controls as `error` rather than keeping an old answer. Pure.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FactSnapshot, FactSource } from '../model/fact.js';
import { A, baseLabels, nodeLabelValue, snapshotConfigMapName, SNAPSHOT_COMPONENT } from './labels.js';

export const SNAPSHOT_KEY = 'snapshot.json.gz';
/** Largest gzipped snapshot we publish; the object as a whole must stay under 1 MiB. */
export const MAX_SNAPSHOT_BYTES = 900 * 1024;
/** Largest snapshot JSON we accept after gunzip (a guard against a gzip bomb in a forged object). */
export const MAX_SNAPSHOT_JSON_BYTES = 64 * 1024 * 1024;

export type CollectStatus = 'ok' | 'timeout' | 'error';

export interface SnapshotEnvelope {
  node: string;
  collectedAt: string;
  status: CollectStatus;
  durationMs: number;
  toolVersion: string;
  /** Present when status is ok. */
  snapshot?: FactSnapshot;
  /** Why there is no snapshot (status timeout or error). */
  error?: string;
}

export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
    creationTimestamp?: string;
    resourceVersion?: string;
  };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

const MAX_ERROR_ANNOTATION = 4096;

/** The ConfigMap a node agent applies. `owner`: the Node, so that deleting the node deletes its snapshot. */
export function envelopeToConfigMap(env: SnapshotEnvelope, namespace: string, owner?: { name: string; uid: string }): ConfigMapObject {
  const annotations: Record<string, string> = {
    [A.node]: env.node,
    [A.collectedAt]: env.collectedAt,
    [A.collectStatus]: env.status,
    [A.collectMs]: String(Math.round(env.durationMs)),
    [A.toolVersion]: env.toolVersion,
  };
  const cm: ConfigMapObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: snapshotConfigMapName(env.node),
      namespace,
      labels: { ...baseLabels(SNAPSHOT_COMPONENT), [A.node]: nodeLabelValue(env.node) },
      annotations,
      ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: owner.name, uid: owner.uid }] } : {}),
    },
  };
  if (env.error !== undefined) annotations[A.error] = env.error.slice(0, MAX_ERROR_ANNOTATION);
  if (env.status === 'ok') {
    if (!env.snapshot) throw new EnvelopeError(`${env.node}: status ok without a snapshot`);
    const json = JSON.stringify(env.snapshot);
    const gz = gzipSync(json, { level: 9 });
    if (gz.length > MAX_SNAPSHOT_BYTES) {
      throw new EnvelopeError(`${env.node}: the snapshot is ${gz.length} bytes gzipped, more than a ConfigMap holds (${MAX_SNAPSHOT_BYTES})`);
    }
    annotations[A.sha256] = createHash('sha256').update(json).digest('hex');
    cm.binaryData = { [SNAPSHOT_KEY]: gz.toString('base64') };
  }
  return cm;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const FACT_SOURCES = new Set<string>(['process', 'file', 'api', 'config', 'default'] satisfies FactSource[]);
const isLine = (n: unknown) => n === undefined || (Number.isInteger(n) && (n as number) >= 0);
const isLocation = (l: unknown): boolean => isRecord(l) && typeof l.file === 'string' && isLine(l.line) && isLine(l.column);

/** The minimal shape check of a FactSnapshot read back from the cluster (it may have been edited by hand). */
export function assertSnapshot(v: unknown, where: string): FactSnapshot {
  if (!isRecord(v)) throw new EnvelopeError(`${where}: the snapshot is not a JSON object`);
  const t = v.target;
  if (!isRecord(t) || typeof t.name !== 'string' || !['config', 'node', 'cluster', 'snapshot'].includes(t.kind as string)) {
    throw new EnvelopeError(`${where}: the snapshot has no valid target`);
  }
  if (v.distro !== 'rke1' && v.distro !== 'rke2') throw new EnvelopeError(`${where}: the snapshot's distro is ${JSON.stringify(v.distro)}, not rke1 or rke2`);
  if (v.k8sVersion !== undefined && typeof v.k8sVersion !== 'string') throw new EnvelopeError(`${where}: k8sVersion is not a string`);
  if (v.k8sVersionFrom !== undefined && typeof v.k8sVersionFrom !== 'string') throw new EnvelopeError(`${where}: k8sVersionFrom is not a string`);
  for (const k of ['facts', 'errors', 'absent'] as const) {
    if (!isRecord(v[k])) throw new EnvelopeError(`${where}: the snapshot's ${k} is not an object`);
  }
  for (const [key, f] of Object.entries(v.facts as Record<string, unknown>)) {
    if (!isRecord(f) || f.key !== key || !('value' in f) || !FACT_SOURCES.has(f.source as string)) throw new EnvelopeError(`${where}: fact ${key} is malformed`);
    // Provenance reaches every report: text where text is expected, so no reporter meets a number.
    if (f.layer !== undefined && typeof f.layer !== 'string') throw new EnvelopeError(`${where}: fact ${key}: layer is not a string`);
    if (f.secret !== undefined && typeof f.secret !== 'boolean') throw new EnvelopeError(`${where}: fact ${key}: secret is not true or false`);
    if (f.location !== undefined && !isLocation(f.location)) throw new EnvelopeError(`${where}: fact ${key}: location is not {file, line?, column?}`);
  }
  for (const k of ['searched', 'elsewhere'] as const) {
    if (v[k] !== undefined && !isRecord(v[k])) throw new EnvelopeError(`${where}: the snapshot's ${k} is not an object`);
  }
  for (const k of ['settingsIn', 'benchmark', 'collectedBy'] as const) {
    if (v[k] !== undefined && typeof v[k] !== 'string') throw new EnvelopeError(`${where}: the snapshot's ${k} is not a string`);
  }
  for (const k of ['errors', 'absent', 'searched', 'elsewhere'] as const) {
    for (const [key, reason] of Object.entries((v[k] ?? {}) as Record<string, unknown>)) {
      if (typeof reason !== 'string') throw new EnvelopeError(`${where}: ${k}.${key} is not a string`);
    }
  }
  if (!Array.isArray(v.warnings) || v.warnings.some((w) => typeof w !== 'string')) throw new EnvelopeError(`${where}: warnings is not a list of strings`);
  return v as unknown as FactSnapshot;
}

/** Read an envelope back from a ConfigMap (as listed from the API). Throws EnvelopeError on anything malformed. */
export function configMapToEnvelope(cm: ConfigMapObject): SnapshotEnvelope {
  const where = `ConfigMap ${cm.metadata.name}`;
  const an = cm.metadata.annotations ?? {};
  const node = an[A.node];
  if (!node) throw new EnvelopeError(`${where}: no ${A.node} annotation`);
  const collectedAt = an[A.collectedAt] ?? '';
  if (Number.isNaN(Date.parse(collectedAt))) throw new EnvelopeError(`${where}: ${A.collectedAt} is not a time: ${JSON.stringify(collectedAt)}`);
  const status = an[A.collectStatus] as CollectStatus;
  if (!['ok', 'timeout', 'error'].includes(status)) throw new EnvelopeError(`${where}: ${A.collectStatus} is ${JSON.stringify(status)}`);
  const env: SnapshotEnvelope = {
    node,
    collectedAt,
    status,
    durationMs: Number(an[A.collectMs] ?? 0) || 0,
    toolVersion: an[A.toolVersion] ?? 'unknown',
    ...(an[A.error] !== undefined ? { error: an[A.error] } : {}),
  };
  if (status !== 'ok') return env;
  const b64 = cm.binaryData?.[SNAPSHOT_KEY];
  if (b64 === undefined) throw new EnvelopeError(`${where}: status ok but no binaryData.${SNAPSHOT_KEY}`);
  let json: string;
  try {
    json = gunzipSync(Buffer.from(b64, 'base64'), { maxOutputLength: MAX_SNAPSHOT_JSON_BYTES }).toString('utf8');
  } catch (e) {
    throw new EnvelopeError(`${where}: ${SNAPSHOT_KEY} does not gunzip: ${(e as Error).message}`);
  }
  const sha = an[A.sha256];
  if (sha && createHash('sha256').update(json).digest('hex') !== sha) throw new EnvelopeError(`${where}: ${SNAPSHOT_KEY} does not match its ${A.sha256} annotation`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new EnvelopeError(`${where}: ${SNAPSHOT_KEY} is not JSON: ${(e as Error).message}`);
  }
  env.snapshot = assertSnapshot(parsed, where);
  return env;
}
