/**
 * `harden node` as data (pure): from what was read under the host root, the steps that bring the
 * node to the state Rancher's guides ask for — the sysctl drop-in (and, on a live host, loading it)
 * and the etcd group and user — each with the prior state it replaces. Already right ⇒ no step.
 */
import { createHash } from 'node:crypto';
import { planFileModes, type AccountIds, type FileModeObservation } from './file-modes-plan.js';
import { appendText, parseDb, planEtcdAccount } from './host-accounts.js';
import type { AppendLinesStep, HostFileState, HostStep, NodeTarget, RemediationPlan, Skipped, SysctlLoadStep, WriteFileStep } from './plan.js';
import { SYSCTL_DROP_IN, sysctlOverrides, updateSysctlText } from './sysctl-file.js';
import { appendedLinesDiff, unifiedDiff } from './unified-diff.js';

export const ACCOUNT_FILES = ['/etc/group', '/etc/gshadow', '/etc/passwd', '/etc/shadow'] as const;
export type AccountFile = (typeof ACCOUNT_FILES)[number];
/** Databases holding password hashes: their diffs show the appended lines only. */
const SECRET_FILES = new Set<string>(['/etc/shadow', '/etc/gshadow']);

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export interface ObservedFile {
  path: string;
  state: HostFileState;
  /** Content, when the file exists and could be read. */
  text?: string;
  /** Why an existing file cannot be used (EACCES, a symbolic link, not a regular file, …). */
  error?: string;
}

export interface NodeObservation {
  target: NodeTarget;
  /** The account databases, etc/login.defs and the drop-in. */
  files: Record<string, ObservedFile>;
  /** For a new drop-in: directories to create (outermost first) and the owner it takes (its directory's). */
  dropInDir: { createDirs: string[]; uid: number; gid: number };
  /** Files `sysctl --system` loads, in order, the drop-in in its place (with its planned content). */
  sysctlFiles: { path: string; text: string }[];
  /** Runtime values (live host only). */
  runtime?: Record<string, string | null>;
  shells: { usrSbin: boolean; sbin: boolean };
  /** Days since the epoch, for etc/shadow. */
  today: number;
  /** The files whose modes and owners fail the node's profile; or why they could not be judged. */
  fileModes: FileModeObservation | Skipped;
}

/** What harden node can change, each left out unless `--only` names it (default: all). */
export const HARDEN_NODE_PARTS = ['sysctl', 'etcd-user', 'files'] as const;
export type HardenNodePart = (typeof HARDEN_NODE_PARTS)[number];

export interface NodePlanOptions {
  /** The parts to plan (default all). */
  parts?: ReadonlySet<HardenNodePart>;
  /** How a live host loads the values: `sysctl --system` (every file) or `sysctl -p <drop-in>` (ours only). */
  sysctlLoad: 'system' | 'file';
}

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

function sysctlSteps(obs: NodeObservation, opts: NodePlanOptions, plan: RemediationPlan<HostStep>): void {
  const { path, settings } = SYSCTL_DROP_IN[obs.target.distro];
  const f = obs.files[path];
  if (!f) throw new Error(`observation lacks ${path}`);
  if (f.error) {
    plan.blockers.push(`${path}: ${f.error}`);
    return;
  }
  const prior = f.state.exists ? f.text : undefined;
  const content = updateSysctlText(prior, settings);
  let fileStep: WriteFileStep | undefined;
  if (content !== prior) {
    const base = f.state.exists
      ? { prior: { ...f.state, contentBase64: Buffer.from(prior ?? '').toString('base64') }, mode: f.state.mode, uid: f.state.uid, gid: f.state.gid, createDirs: [] }
      : { prior: { exists: false as const }, mode: 0o644, uid: obs.dropInDir.uid, gid: obs.dropInDir.gid, createDirs: obs.dropInDir.createDirs };
    const title = f.state.exists
      ? `update ${path}: ${settings.map(([k, v]) => `${k}=${v}`).join(', ')}`
      : `create ${path} (mode ${octal(base.mode)}, owner ${base.uid}:${base.gid}): ${settings.map(([k, v]) => `${k}=${v}`).join(', ')}`;
    fileStep = {
      kind: 'write-file',
      id: `file:${path}`,
      title,
      path,
      content,
      sha256: sha256(content),
      ...base,
      diff: unifiedDiff(prior ?? '', content, f.state.exists ? path : '/dev/null', path),
    };
    plan.steps.push(fileStep);
  }
  const overrides = sysctlOverrides(obs.sysctlFiles, path, settings);
  plan.warnings.push(...overrides);
  if (!obs.target.live) {
    if (fileStep) plan.warnings.push(`the host root is not /: the values take effect on the host at its next boot, or with \`sysctl --system\` run there`);
    return;
  }
  const runtime = obs.runtime ?? {};
  const overridden = new Set(overrides.map((w) => settings.find(([k]) => w.includes(` sets ${k}=`))?.[0]));
  const differing = settings.filter(([k, v]) => runtime[k] !== v && !overridden.has(k));
  if (!fileStep && differing.length === 0) return;
  const command = opts.sysctlLoad === 'system' ? ['sysctl', '--system'] : ['sysctl', '-p', path];
  const desired = Object.fromEntries(settings);
  const before = Object.fromEntries(settings.map(([k]) => [k, runtime[k] ?? null]));
  const show = (values: Record<string, string | null>) => settings.map(([k]) => `${k} = ${values[k] ?? '(unreadable)'}\n`).join('');
  const step: SysctlLoadStep = {
    kind: 'sysctl-load',
    id: 'sysctl:load',
    title: `load the kernel parameters now: ${command.join(' ')}`,
    command,
    prior: before,
    desired,
    diff: unifiedDiff(show(before), show(desired), 'runtime (before)', 'runtime (after)'),
  };
  plan.steps.push(step);
}

function accountSteps(obs: NodeObservation, plan: RemediationPlan<HostStep>): void {
  const file = (p: AccountFile | '/etc/login.defs'): ObservedFile => obs.files[p] ?? { path: p, state: { exists: false } };
  for (const p of ['/etc/passwd', '/etc/group'] as const) {
    const f = file(p);
    if (!f.state.exists) {
      plan.blockers.push(`${p} does not exist under the host root: cannot add the etcd user and group`);
      return;
    }
    if (f.error || f.text === undefined) {
      plan.blockers.push(`${p}: ${f.error ?? 'unreadable'}`);
      return;
    }
  }
  const optional = (p: '/etc/shadow' | '/etc/gshadow'): string | undefined => {
    const f = file(p);
    if (!f.state.exists) {
      plan.skipped.push({ subject: p, reason: 'not present on the host: no entry added' });
      return undefined;
    }
    if (f.error || f.text === undefined) {
      plan.blockers.push(`${p}: ${f.error ?? 'unreadable'} (run as root)`);
      return undefined;
    }
    return f.text;
  };
  const shadow = optional('/etc/shadow');
  const gshadow = optional('/etc/gshadow');
  const lines = planEtcdAccount({
    distro: obs.target.distro,
    passwd: file('/etc/passwd').text!,
    group: file('/etc/group').text!,
    ...(shadow !== undefined ? { shadow } : {}),
    ...(gshadow !== undefined ? { gshadow } : {}),
    ...(file('/etc/login.defs').text !== undefined ? { loginDefs: file('/etc/login.defs').text } : {}),
    shells: obs.shells,
    today: obs.today,
  });
  plan.warnings.push(...lines.warnings);
  plan.blockers.push(...lines.blockers);
  for (const p of ACCOUNT_FILES) {
    const add = lines.add.get(p);
    const f = file(p);
    if (!add || !f.state.exists || f.text === undefined) continue;
    const appended = appendText(f.text, add);
    const after = f.text + appended;
    const { exists, sha256: priorSha, size, mode, uid, gid } = f.state;
    const step: AppendLinesStep = {
      kind: 'append-lines',
      id: `account:${p}`,
      title: `add ${lines.titles.get(p) ?? 'etcd'} to ${p}`,
      path: p,
      prior: { exists, sha256: priorSha, size, mode, uid, gid },
      appended,
      lines: add,
      sha256: sha256(after),
      diff: SECRET_FILES.has(p) ? appendedLinesDiff(f.text, add, p) : unifiedDiff(f.text, after, p, p),
    };
    plan.steps.push(step);
  }
}

/** Names and ids of the host's accounts, with the lines the plan's account steps add (the etcd user and group). */
function accountIds(obs: NodeObservation, plan: RemediationPlan<HostStep>): AccountIds {
  const entries = (file: '/etc/passwd' | '/etc/group') => {
    const added = plan.steps.flatMap((s) => (s.kind === 'append-lines' && s.path === file ? s.lines : []));
    return parseDb([obs.files[file]?.text ?? '', ...added].join('\n')).filter((e) => /^\d+$/.test(e.fields[2] ?? ''));
  };
  const byName = (list: ReturnType<typeof entries>) => {
    const out = new Map<string, number>();
    for (const e of list) if (!out.has(e.name)) out.set(e.name, Number(e.fields[2]));
    return out;
  };
  const users = entries('/etc/passwd');
  const primaryGids = new Map<number, number[]>();
  for (const u of users) if (/^\d+$/.test(u.fields[3] ?? '')) primaryGids.set(Number(u.fields[2]), [...(primaryGids.get(Number(u.fields[2])) ?? []), Number(u.fields[3])]);
  return { users: byName(users), groups: byName(entries('/etc/group')), primaryGids };
}

function fileModeSteps(obs: NodeObservation, plan: RemediationPlan<HostStep>): void {
  if (!('failing' in obs.fileModes)) {
    plan.skipped.push(obs.fileModes);
    return;
  }
  const files = planFileModes(obs.fileModes, accountIds(obs, plan), obs.target.distro);
  plan.steps.push(...files.steps);
  plan.skipped.push(...files.skipped);
  plan.warnings.push(...files.warnings);
}

/** Steps in the order they are applied: the etcd account exists before files are given to it. */
export function planNode(obs: NodeObservation, opts: NodePlanOptions): RemediationPlan<HostStep> {
  const plan: RemediationPlan<HostStep> = { target: obs.target, steps: [], skipped: [], warnings: [], blockers: [] };
  const asked = (part: HardenNodePart) => opts.parts?.has(part) ?? true;
  if (asked('sysctl')) sysctlSteps(obs, opts, plan);
  if (asked('etcd-user')) accountSteps(obs, plan);
  if (asked('files')) fileModeSteps(obs, plan);
  return plan;
}
