/**
 * The remediation plan: pure data saying what `harden node` / `harden cluster` would change, with the
 * prior state each change replaces. A plan is printed (with a unified diff per step), and each step is
 * written to the journal, with its prior state, before it is applied; rollback works from the journal
 * alone. Runtime schemas (zod) validate steps read back from a journal.
 */
import * as z from 'zod';

/** A file's permission bits and owner. */
const ModeOwnerSchema = z.strictObject({
  mode: z.number().int().nonnegative(),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
});
export type ModeOwner = z.infer<typeof ModeOwnerSchema>;

/** A host file's state before a change; content is kept only where restoring needs it and it is not secret. */
export const HostFileStateSchema = z.discriminatedUnion('exists', [
  z.strictObject({ exists: z.literal(false) }),
  z.strictObject({
    exists: z.literal(true),
    sha256: z.string(),
    size: z.number().int().nonnegative(),
    ...ModeOwnerSchema.shape,
    /** The whole prior content (base64), for files whose restore rewrites them. */
    contentBase64: z.string().optional(),
  }),
]);
export type HostFileState = z.infer<typeof HostFileStateSchema>;
export type ExistingFileState = Extract<HostFileState, { exists: true }>;

/** Write a whole file (the sysctl drop-in): atomically, temp file + rename, with this mode and owner. */
export const WriteFileStepSchema = z.strictObject({
  kind: z.literal('write-file'),
  id: z.string(),
  title: z.string(),
  /** Absolute path on the host (under the host root). */
  path: z.string(),
  prior: HostFileStateSchema,
  content: z.string(),
  sha256: z.string(),
  ...ModeOwnerSchema.shape,
  /** Missing parent directories this step creates, outermost first (rollback removes them if empty). */
  createDirs: z.array(z.string()),
  diff: z.string(),
});
export type WriteFileStep = z.infer<typeof WriteFileStepSchema>;

/**
 * Append lines to an account database (etc/passwd, etc/group, etc/shadow, etc/gshadow) under its
 * lock, keeping mode and owner. The prior content itself is not kept (shadow holds password hashes):
 * its hash is, and rollback removes exactly the appended bytes.
 */
export const AppendLinesStepSchema = z.strictObject({
  kind: z.literal('append-lines'),
  id: z.string(),
  title: z.string(),
  path: z.string(),
  prior: z.strictObject({
    exists: z.literal(true),
    sha256: z.string(),
    size: z.number().int().nonnegative(),
    ...ModeOwnerSchema.shape,
  }),
  /** The exact text appended (a leading newline when the file did not end with one). */
  appended: z.string(),
  /** The lines added (without newlines), for a rollback after someone else edited the file. */
  lines: z.array(z.string()).min(1),
  sha256: z.string(),
  diff: z.string(),
});
export type AppendLinesStep = z.infer<typeof AppendLinesStepSchema>;

/** Load kernel parameters on a live host (`sysctl --system` or `sysctl -p FILE`); prior runtime values kept. */
export const SysctlLoadStepSchema = z.strictObject({
  kind: z.literal('sysctl-load'),
  id: z.string(),
  title: z.string(),
  command: z.array(z.string()).min(1),
  /** key → runtime value before (null when unreadable). */
  prior: z.record(z.string(), z.string().nullable()),
  desired: z.record(z.string(), z.string()),
  diff: z.string(),
});
export type SysctlLoadStep = z.infer<typeof SysctlLoadStepSchema>;

/**
 * Narrow the modes and owners of existing files and directories (CIS 1.1.x / 4.1.x): the files the same
 * failing checks ask to change, each with the mode and owner it had. Only permission bits
 * are taken away, never added; paths are host paths with links resolved inside the host root.
 */
export const FileModeStepSchema = z.strictObject({
  kind: z.literal('file-mode'),
  id: z.string(),
  title: z.string(),
  /** The checks this step makes pass. */
  checks: z.array(z.string()).min(1),
  entries: z
    .array(z.strictObject({ path: z.string(), kind: z.enum(['file', 'dir']), prior: ModeOwnerSchema, set: ModeOwnerSchema }))
    .min(1),
  diff: z.string(),
});
export type FileModeStep = z.infer<typeof FileModeStepSchema>;

export const KubeRefSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  /** Plural resource name, e.g. serviceaccounts. */
  resource: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
});
export type KubeRef = z.infer<typeof KubeRefSchema>;

const JsonObject = z.record(z.string(), z.unknown());

/** A Kubernetes object as JSON. */
export type KubeObject = Record<string, unknown> & { metadata?: Record<string, unknown> };

/**
 * A write (field manager rke-harden) of `body`, which sets `fields`: a create when `prior` says the
 * object does not exist, else a JSON merge patch of the existing object. `prior` is the object as read
 * before the write (managedFields dropped). (The kind keeps its first name, `kube-apply`, for journals.)
 */
export const KubeApplyStepSchema = z.strictObject({
  kind: z.literal('kube-apply'),
  id: z.string(),
  title: z.string(),
  ref: KubeRefSchema,
  body: JsonObject,
  fields: z.array(z.strictObject({ path: z.array(z.string()).min(1), value: z.unknown() })).min(1),
  prior: z.discriminatedUnion('exists', [
    z.strictObject({ exists: z.literal(false) }),
    z.strictObject({ exists: z.literal(true), uid: z.string(), resourceVersion: z.string(), object: JsonObject }),
  ]),
  diff: z.string(),
});
export type KubeApplyStep = z.infer<typeof KubeApplyStepSchema>;

export const RemediationStepSchema = z.discriminatedUnion('kind', [WriteFileStepSchema, AppendLinesStepSchema, SysctlLoadStepSchema, FileModeStepSchema, KubeApplyStepSchema]);
export type RemediationStep = z.infer<typeof RemediationStepSchema>;
export type HostStep = WriteFileStep | AppendLinesStep | SysctlLoadStep | FileModeStep;

/** Something the plan leaves alone, and why (exempt namespace, uid taken, …). */
export interface Skipped {
  subject: string;
  reason: string;
}

export interface NodeTarget {
  kind: 'node';
  /** Absolute host root. */
  hostRoot: string;
  distro: 'rke1' | 'rke2';
  /** True when the host root is `/` of the machine we run on (runtime changes allowed). */
  live: boolean;
}

export interface ClusterTarget {
  kind: 'cluster';
  server: string;
  context: string;
  gitVersion: string;
  /**
   * The uid of namespace kube-system: the cluster's identity wherever it is reached from (in the
   * cluster https://10.43.0.1, through Rancher's proxy, directly), when it could be read.
   */
  clusterUid?: string;
}

/** Whether two targets are the same cluster or host root: the cluster uid when both know it, else the server URL. */
export function sameTarget(a: Target, b: Target): boolean {
  if (a.kind === 'node' && b.kind === 'node') return a.hostRoot === b.hostRoot;
  if (a.kind === 'cluster' && b.kind === 'cluster') return a.clusterUid && b.clusterUid ? a.clusterUid === b.clusterUid : sameServer(a.server, b.server);
  return false;
}

/** Two API server URLs naming the same place (a trailing slash aside). */
export const sameServer = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export type Target = NodeTarget | ClusterTarget;

export interface RemediationPlan<S extends RemediationStep = RemediationStep> {
  target: Target;
  steps: S[];
  skipped: Skipped[];
  /** Warnings the user must read (a later sysctl file overrides ours, a uid already taken, …). */
  warnings: string[];
  /** Things the tool cannot fix by itself; the command exits 1 while any remain. */
  blockers: string[];
}

/** Value at a path of a JSON object (undefined when absent). */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}

/** The fields of a step that `object` no longer holds as the step set them (dotted paths). */
export function changedFields(step: Pick<KubeApplyStep, 'fields'>, object: unknown): string[] {
  return step.fields.filter((f) => !jsonEqual(getPath(object, f.path), f.value)).map((f) => f.path.join('.'));
}
