/**
 * Names, labels and annotations of the objects the in-cluster agent writes (ConfigMaps in its own
 * namespace). Kubernetes limits: object names are DNS subdomains of at most 253 characters, label
 * values at most 63 characters of [A-Za-z0-9._-]; a node name (itself a DNS subdomain) may not fit a
 * label value or the name prefix, so long names are cut and made unique with a hash.
 */
import { createHash } from 'node:crypto';

export const NAME_LABEL = 'app.kubernetes.io/name';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const APP_NAME = 'rke-harden';

/** Label values of the two kinds of ConfigMap. */
export const SNAPSHOT_COMPONENT = 'node-snapshot';
export const SCAN_COMPONENT = 'scan-run';

/** `rke-harden.io/…` annotations and labels. */
export const A = {
  node: 'rke-harden.io/node',
  collectedAt: 'rke-harden.io/collected-at',
  collectStatus: 'rke-harden.io/collect-status',
  collectMs: 'rke-harden.io/collect-duration-ms',
  sha256: 'rke-harden.io/sha256',
  toolVersion: 'rke-harden.io/tool-version',
  error: 'rke-harden.io/error',
  scanId: 'rke-harden.io/scan-id',
  part: 'rke-harden.io/part',
  parts: 'rke-harden.io/parts',
  summary: 'rke-harden.io/summary',
  benchmark: 'rke-harden.io/benchmark',
  startedAt: 'rke-harden.io/started-at',
  finishedAt: 'rke-harden.io/finished-at',
} as const;

export const SNAPSHOT_PREFIX = 'rke-harden-snapshot-';
export const SCAN_PREFIX = 'rke-harden-scan-';

const MAX_NAME = 253;
const MAX_LABEL_VALUE = 63;

const hash10 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 10);

/** A DNS-subdomain-safe, lowercase form of a node name (node names already are; this guards the rest). */
function dnsSafe(s: string): string {
  const cleaned = s.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[^a-z0-9]+/, '').replace(/[^a-z0-9]+$/, '');
  return cleaned || 'node';
}

/** Cut `s` to `max` characters; when cut (or changed), end with a hash of the original so names stay unique. */
function fit(original: string, safe: string, max: number): string {
  if (safe.length <= max && safe === original) return safe;
  const h = hash10(original);
  const head = safe.slice(0, max - h.length - 1).replace(/[^a-z0-9]+$/, '');
  return `${head}-${h}`;
}

/** `rke-harden-snapshot-<node>`: unique per node, at most 253 characters. */
export function snapshotConfigMapName(node: string): string {
  return SNAPSHOT_PREFIX + fit(node, dnsSafe(node), MAX_NAME - SNAPSHOT_PREFIX.length);
}

/** A label value that identifies the node (cut and hashed beyond 63 characters). */
export function nodeLabelValue(node: string): string {
  const safe = node.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  if (safe === node && safe.length <= MAX_LABEL_VALUE && safe.length > 0) return safe;
  const h = hash10(node);
  return `${safe.slice(0, MAX_LABEL_VALUE - h.length - 1).replace(/[^A-Za-z0-9]+$/, '')}-${h}`.replace(/^-/, '');
}

/** Scan ids sort as their times do: `20261127-120000z` (UTC, to the second). */
export function scanIdFor(at: Date): string {
  const iso = at.toISOString(); // 2026-11-27T12:00:00.000Z
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}z`;
}

export const SCAN_ID = /^\d{8}-\d{6}z(-\d+)?$/;

/** The ConfigMap of part `part` (0-based) of a scan; part 0 is `rke-harden-scan-<id>`. */
export function scanConfigMapName(scanId: string, part = 0): string {
  return part === 0 ? `${SCAN_PREFIX}${scanId}` : `${SCAN_PREFIX}${scanId}-part-${part}`;
}

export function baseLabels(component: string): Record<string, string> {
  return { [NAME_LABEL]: APP_NAME, [COMPONENT_LABEL]: component, [MANAGED_BY_LABEL]: APP_NAME };
}

export function selectorFor(component: string): string {
  return `${NAME_LABEL}=${APP_NAME},${COMPONENT_LABEL}=${component}`;
}
