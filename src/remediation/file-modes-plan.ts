/**
 * The file modes and owners `harden node` narrows (pure): for each failing check of the node's profile
 * that asserts `file.<name>.mode` at most a mode or `file.<name>.owner` one of some owners, the files
 * behind that fact (as the audit read them) get the bits the check forbids taken away and the owner it
 * names. One step per set of checks asking for the same change (a file two facts cover is changed once),
 * each file with the mode and owner it had, so rollback restores them.
 */
import type { FileModeLeaf } from './fixed-by-harden-node.js';
import type { Skipped, FileModeStep, ModeOwner } from './plan.js';
import { unifiedDiff } from './unified-diff.js';

/** A file behind a fact, its path with links resolved inside the host root. */
export interface FileMember {
  path: string;
  kind: 'file' | 'dir' | 'other';
  mode: number;
  uid: number;
  gid: number;
}

/** A failing check of the profile whose assertion is one mode or owner leaf. */
export interface FailingFileCheck extends FileModeLeaf {
  checkId: string;
}

/** A component running as another user than root, and the files its settings name (host path → the setting). */
export interface FileReader {
  who: string;
  uid: number;
  reads: Map<string, string>;
}

export interface FileModeObservation {
  failing: FailingFileCheck[];
  /** Non-root components and what they read: a change that would lock one out of its file is not made. */
  readers: FileReader[];
  /** The files behind each fact, by name. */
  members: Map<string, FileMember[]>;
  /** Where an ownership fix covers a whole tree (the etcd data directory, as `chown -R`): its members. */
  ownerTrees: Map<string, FileMember[]>;
  /** RKE2's `profile` as the node runs it, when known (static pod manifests keep 0600 only with `cis`). */
  rke2Profile?: string;
}

/** Names and ids of the host's accounts, with the ones this plan adds. */
export interface AccountIds {
  users: Map<string, number>;
  groups: Map<string, number>;
  /** uid → its primary gid(s), from etc/passwd. */
  primaryGids: Map<number, number[]>;
}

export interface FileModePlan {
  steps: FileModeStep[];
  skipped: Skipped[];
  warnings: string[];
}

/**
 * Where harden node changes modes and owners: the distros' own directories, the CNI configuration and
 * the kubelet's systemd units. A file a component flag names elsewhere is left alone, and a journal
 * that names any other path is not trusted (journal-trust.ts).
 */
const PLACES = [/^\/var\/lib\/rancher\//, /^\/etc\/rancher\//, /(^|\/)etc\/kubernetes\//, /^\/etc\/cni\//, /^\/var\/lib\/cni\//, /^\/opt\/cni\//, /^\/var\/lib\/etcd(\/|$)/, /^\/(etc|usr\/lib|lib)\/systemd\/system\/kubelet\.service(\.d\/[^/]+)?$/];
export const changeablePath = (p: string): boolean => !p.split('/').includes('..') && PLACES.some((re) => re.test(p));

/** Static pod manifests RKE2 writes again at every start of rke2-server. */
const RKE2_MANIFESTS = new Set(['apiserver-manifest', 'controller-manager-manifest', 'scheduler-manifest', 'etcd-manifest']);
/** How many files a plan lists in its diff; the rest is counted. */
const DIFF_LINES = 40;

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

function nameOf(ids: Map<string, number>, id: number): string {
  for (const [name, n] of ids) if (n === id) return name;
  return String(id);
}

function ownerText(a: AccountIds, m: Pick<ModeOwner, 'uid' | 'gid'>): string {
  return `${nameOf(a.users, m.uid)}:${nameOf(a.groups, m.gid)}`;
}

/** user:group → ids, or why not. */
function ownerIds(a: AccountIds, owner: string): { uid: number; gid: number } | string {
  const [user, group] = owner.split(':');
  const uid = a.users.get(user ?? '');
  const gid = a.groups.get(group ?? user ?? '');
  if (uid === undefined) return `no user ${user} on the host`;
  if (gid === undefined) return `no group ${group ?? user} on the host`;
  return { uid, gid };
}

function listing(a: AccountIds, entries: FileModeStep['entries'], which: 'prior' | 'set'): string {
  const shown = entries.slice(0, DIFF_LINES).map((e) => `${octal(e[which].mode)} ${ownerText(a, e[which])} ${e.path}${e.kind === 'dir' ? '/' : ''}\n`);
  if (entries.length > DIFF_LINES) shown.push(`… and ${entries.length - DIFF_LINES} more, changed the same way\n`);
  return shown.join('');
}

/** Where the entries are: one path; a directory and what is under it; or the directories that hold them. */
function whereText(entries: FileModeStep['entries']): string {
  const [first] = entries;
  if (entries.length === 1) return first!.path;
  const count = (list: FileModeStep['entries']) =>
    list.length === 1 ? `1 ${list[0]!.kind === 'dir' ? 'directory' : 'file'}` : `${list.length} ${list.some((e) => e.kind === 'dir') ? 'files and directories' : 'files'}`;
  if (first!.kind === 'dir' && entries.every((e) => e === first || e.path.startsWith(`${first!.path}/`))) return `${first!.path} and ${count(entries.slice(1))} under it`;
  const dirs = [...new Set(entries.map((e) => e.path.slice(0, e.path.lastIndexOf('/')) || '/'))];
  return `${count(entries)} in ${dirs.length <= 3 ? dirs.join(', ') : `${dirs.slice(0, 3).join(', ')} and ${dirs.length - 3} more directories`}`;
}

function stepTitle(entries: FileModeStep['entries'], mask: number | undefined, owner: string | undefined, checks: string[]): string {
  const modes = mask !== undefined && entries.some((e) => e.set.mode !== e.prior.mode);
  const owners = owner !== undefined && entries.some((e) => e.set.uid !== e.prior.uid || e.set.gid !== e.prior.gid);
  const actions = [...(modes ? [`chmod to at most ${mask!.toString(8)}`] : []), ...(owners ? [`chown ${owner}`] : [])];
  return `${actions.join(', ')}: ${whereText(entries)} (${checks.join(', ')})`;
}

/** Why a change may not last: the distro or a plugin writes the file again, or the cluster config must follow. */
function durabilityWarning(name: string, distro: 'rke1' | 'rke2', obs: FileModeObservation, step: FileModeStep): string | undefined {
  if (distro === 'rke2' && RKE2_MANIFESTS.has(name) && !obs.rke2Profile?.startsWith('cis')) {
    const now = obs.rke2Profile ? `profile ${obs.rke2Profile}` : 'no profile';
    return `RKE2 writes its static pod manifests again each time rke2-server starts, 0600 only with \`profile: cis\` (this node: ${now}); set it in /etc/rancher/rke2/config.yaml or their mode goes back at the next restart`;
  }
  if (name === 'cni-config') return 'the CNI plugin writes its configuration again when its pod restarts: audit the node again after that, and set the file mode in the plugin\'s own settings if it comes back';
  if (distro === 'rke1' && step.entries.some((e) => e.path.startsWith('/etc/kubernetes/ssl/'))) {
    return "RKE's cert deployer writes /etc/kubernetes/ssl again at `rke up` and at certificate rotation (kube-ca.pem world-readable when services.etcd.uid/gid are set): audit the nodes again after it";
  }
  if (name === 'etcd-data-dir' && distro === 'rke1' && step.entries.some((e) => e.set.uid !== e.prior.uid)) {
    return 'set services.etcd.uid and services.etcd.gid (52034) in cluster.yml as well: `rke up` then runs etcd as that user and keeps its data directory owned by it';
  }
  return undefined;
}

/**
 * Whether a process of `uid` can read a file of this mode and owner: as its owner, through its group
 * (RKE runs etcd as uid:uid, so the group of the same number; else the user's primary group), or as other.
 */
function readable(m: ModeOwner, uid: number, gids: Set<number>): boolean {
  if (m.uid === uid) return (m.mode & 0o400) !== 0;
  if (gids.has(m.gid)) return (m.mode & 0o040) !== 0;
  return (m.mode & 0o004) !== 0;
}

/** Why this change would lock a non-root component out of a file it reads, if it would. */
function locksOut(readers: FileReader[], accounts: AccountIds, path: string, prior: ModeOwner, set: ModeOwner): string | undefined {
  for (const r of readers) {
    const setting = r.reads.get(path);
    if (setting === undefined) continue;
    const user = nameOf(accounts.users, r.uid);
    const gids = new Set([r.uid, ...(accounts.primaryGids.get(r.uid) ?? [])]);
    if (readable(prior, r.uid, gids) && !readable(set, r.uid, gids)) {
      return `${r.who} reads it (${setting}): mode ${octal(set.mode)} owner ${ownerText(accounts, set)} would lock ${user === String(r.uid) ? 'it' : user} out; left as it is (the distro gives it that access on purpose)`;
    }
  }
  return undefined;
}

/** A file's planned change, and what asks for it. */
interface Planned {
  entry: FileModeStep['entries'][number];
  checks: string[];
  names: Set<string>;
  mask?: number;
  owner?: string;
}

/** One step per set of checks: a file two facts cover (kubelet-ca and pki-certs both hold kube-ca.pem) is changed once. */
function stepsOf(planned: Planned[], accounts: AccountIds): { step: FileModeStep; names: Set<string> }[] {
  const groups = new Map<string, Planned[]>();
  for (const p of planned) {
    const key = p.checks.join(' ');
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].map((group) => {
    const entries = group.map((p) => p.entry);
    const { checks, mask, owner } = group[0]!;
    const step: FileModeStep = {
      kind: 'file-mode',
      id: `files:${checks.join('+')}`,
      title: stepTitle(entries, mask, owner, checks),
      checks,
      entries,
      diff: unifiedDiff(listing(accounts, entries, 'prior'), listing(accounts, entries, 'set'), 'modes and owners (before)', 'modes and owners (after)'),
    };
    return { step, names: new Set(group.flatMap((p) => [...p.names])) };
  });
}

export function planFileModes(obs: FileModeObservation, accounts: AccountIds, distro: 'rke1' | 'rke2'): FileModePlan {
  const out: FileModePlan = { steps: [], skipped: [], warnings: [] };
  const skip = (subject: string, reason: string) => {
    if (!out.skipped.some((s) => s.subject === subject)) out.skipped.push({ subject, reason });
  };
  const byName = new Map<string, FailingFileCheck[]>();
  for (const f of obs.failing) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  const byPath = new Map<string, Planned>();

  for (const [name, checks] of byName) {
    const modeChecks = checks.filter((c) => c.op === 'modeAtMost');
    const ownerCheck = checks.find((c) => c.op === 'ownedBy');
    // Every failing mode check must hold: the bits none of them allows go.
    const mask = modeChecks.length ? modeChecks.reduce((m, c) => m & parseInt(String(c.value), 8), 0o777) : undefined;
    const owner = ownerCheck ? [ownerCheck.value].flat()[0] : undefined;
    let ids: { uid: number; gid: number } | undefined;
    if (ownerCheck) {
      const got = owner ? ownerIds(accounts, owner) : 'no owner named';
      if (typeof got === 'string') skip(`${name} (${ownerCheck.checkId})`, `${got}: ownership left as it is`);
      else ids = got;
    }
    const allowedOwners = new Set([ownerCheck?.value ?? []].flat());
    const consider = (m: FileMember, fixMode: boolean) => {
      if (m.kind === 'other') return skip(m.path, 'not a regular file or directory');
      if (m.mode & 0o7000) return skip(m.path, `has a setuid, setgid or sticky bit (mode ${octal(m.mode)}): change it by hand`);
      if (!changeablePath(m.path)) return skip(m.path, `outside the directories harden node changes (${name})`);
      const p = byPath.get(m.path) ?? { entry: { path: m.path, kind: m.kind, prior: { mode: m.mode, uid: m.uid, gid: m.gid }, set: { mode: m.mode, uid: m.uid, gid: m.gid } }, checks: [], names: new Set<string>() };
      const prior = p.entry.prior;
      const set = { ...p.entry.set };
      const asks: string[] = [];
      // A check asks for a change when the file as it is fails it (another check may have narrowed it further already).
      const modeAsks = fixMode ? modeChecks.filter((c) => (prior.mode & ~parseInt(String(c.value), 8)) !== 0) : [];
      if (mask !== undefined && modeAsks.length) {
        set.mode &= mask;
        p.mask = (p.mask ?? 0o777) & mask;
        asks.push(...modeAsks.map((c) => c.checkId));
      }
      if (ids && ownerCheck && !allowedOwners.has(ownerText(accounts, prior))) {
        Object.assign(set, ids);
        p.owner ??= owner;
        asks.push(ownerCheck.checkId);
      }
      if (asks.length === 0) return;
      const lockout = locksOut(obs.readers, accounts, m.path, prior, set);
      if (lockout) return skip(m.path, lockout);
      p.entry.set = set;
      p.checks = [...new Set([...p.checks, ...asks])];
      p.names.add(name);
      byPath.set(m.path, p);
    };
    const members = obs.members.get(name) ?? [];
    if (members.length === 0) {
      skip(name, `the audit found no files behind file.${name}`);
      continue;
    }
    for (const m of members) consider(m, true);
    for (const m of ownerCheck ? (obs.ownerTrees.get(name) ?? []) : []) consider(m, false);
  }

  for (const { step, names } of stepsOf([...byPath.values()], accounts)) {
    out.steps.push(step);
    for (const name of names) {
      const warning = durabilityWarning(name, distro, obs, step);
      if (warning && !out.warnings.includes(warning)) out.warnings.push(warning);
    }
  }
  return out;
}
