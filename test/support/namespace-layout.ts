// Lays a node fixture (test/fixtures/hosts/) out at its REAL paths inside a private mount, PID and
// UTS namespace, starts stand-in processes named like the components with the fixture's argv, and
// runs commands there (kube-bench, `rke-harden audit node --host-root /`). Nothing outside the
// namespace changes: every mount is made after `unshare --propagation private`, and a path the
// host lacks is created on a tmpfs-backed overlay of its nearest existing parent, never on the host.
//
//   unshare --mount --pid --fork --kill-child --uts --mount-proc --propagation private bash <workdir>/layout.sh
//
// The layout, in order (the plan is computed outside the namespace, from the host's view, which is
// the namespace's view when it starts; see planMounts):
//   1. overlays (lower = the host directory, upper/work on a tmpfs) on the nearest existing parent of
//      every mount point the host lacks, e.g. /etc for /etc/kubernetes;
//   2. the mount points the host lacks, created inside those overlays;
//   3. bind mounts of the fixture's files and directories over their real paths (/etc/passwd,
//      /etc/kubernetes, /var/lib/rancher, ...), and an empty tmpfs over every directory a
//      Kubernetes tool may look at (HERMETIC_DIRS) that the host has but the fixture does not;
//   4. the fixture's kernel parameters bound over /proc/sys/... (of the namespace's own /proc), and
//      its host name set in the UTS namespace;
//   5. the fixture's processes, in pid order, each an `idle` binary (tools/kube-bench/idle) started
//      through a symbolic link named like argv[0]'s base name, so that the kernel's comm (what
//      `ps -C` matches) is the component's name, with argv[0] and the arguments of the fixture, and
//      the fixture's uid (setpriv). The PID namespace shows only them;
//   6. the commands, in `rounds` rounds, each run timed with bash's $EPOCHREALTIME.
// When the script ends, its PID namespace ends: the kernel kills the stand-ins, the mounts go.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildHostTree, isRoot, removeHostTree, type HostSpec } from './host-fixtures.js';

/** Directories that stay part of the path when choosing a mount point: /var/lib/rancher, not /var. */
const CONTAINER_DIRS = new Set([
  '/', '/etc', '/etc/default', '/etc/systemd', '/etc/systemd/system', '/var', '/var/lib', '/var/log', '/var/run', '/run', '/usr', '/usr/local',
  '/usr/local/bin', '/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib/systemd', '/usr/lib/systemd/system', '/lib', '/lib/systemd', '/lib/systemd/system', '/opt', '/home', '/srv',
]);

/**
 * Directories kube-bench's cfg/config.yaml (candidate paths), its RKE data, or our collectors look
 * at. When the fixture does not provide one and the host has it, an empty tmpfs hides the host's.
 */
export const HERMETIC_DIRS = [
  '/etc/kubernetes', '/etc/rancher', '/etc/cni', '/etc/etcd', '/etc/origin', '/etc/systemd/system/kubelet.service.d',
  '/lib/systemd/system/kubelet.service.d', '/usr/lib/systemd/system/kubelet.service.d', '/home/kubernetes', '/node',
  '/var/lib/rancher', '/var/lib/etcd', '/var/lib/kubelet', '/var/lib/kube-proxy', '/var/lib/kube-controller-manager', '/var/lib/kube-scheduler',
  '/var/lib/docker', '/var/snap', '/var/log/kube-audit',
];

/** Host files that would leak into a layout (a host that is itself a Kubernetes node): refused. */
const HOST_FILES_THAT_LEAK = ['/etc/systemd/system/kubelet.service', '/lib/systemd/system/kubelet.service', '/usr/lib/systemd/system/kubelet.service', '/etc/default/kubelet'];

/** The mount point that carries a fixture path: the first path component below the CONTAINER_DIRS. */
export function mountPointOf(hostPath: string): string {
  const parts = hostPath.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = '/' + parts.slice(0, i).join('/');
    if (!CONTAINER_DIRS.has(prefix)) return prefix;
  }
  throw new Error(`${hostPath}: not below a mountable directory`);
}

export type MountOp =
  | { op: 'overlay'; target: string }
  | { op: 'mkdir'; target: string }
  | { op: 'touch'; target: string }
  | { op: 'bind'; source: string; target: string }
  | { op: 'tmpfs'; target: string };

const isUnder = (p: string, dir: string) => dir === '/' || p === dir || p.startsWith(dir + '/');

/**
 * The mounts that lay `fixtureRoot` (a tree from buildHostTree) out at its real paths. `exists` is
 * the host's view (injectable for tests).
 */
export function planMounts(spec: HostSpec, fixtureRoot: string, exists: (p: string) => boolean = fs.existsSync): MountOp[] {
  const points = new Set<string>();
  for (const p of Object.keys(spec.files)) points.add(mountPointOf(p));
  const provided = [...points].sort();
  const hidden = HERMETIC_DIRS.filter((d) => exists(d) && !provided.some((p) => isUnder(d, p) || isUnder(p, d)));
  const local = (p: string) => path.join(fixtureRoot, ...p.split('/').filter(Boolean));

  // 1. Overlays on the nearest existing parent of each missing mount point (outermost only).
  const missing = provided.filter((p) => !exists(p));
  const parents = new Set<string>();
  for (const p of missing) {
    let a = path.dirname(p);
    while (!exists(a)) a = path.dirname(a);
    parents.add(a);
  }
  const overlays = [...parents].filter((a) => ![...parents].some((b) => b !== a && isUnder(a, b))).sort();
  const ops: MountOp[] = overlays.map((target) => ({ op: 'overlay', target }));
  // 2. Missing mount points, created inside the overlays.
  for (const p of missing) ops.push(fs.statSync(local(p)).isDirectory() ? { op: 'mkdir', target: p } : { op: 'touch', target: p });
  // 3. The fixture over the real paths; empty directories over the host's own Kubernetes ones.
  for (const p of provided) ops.push({ op: 'bind', source: local(p), target: p });
  for (const d of hidden) ops.push({ op: 'tmpfs', target: d });
  return ops;
}

export interface LayoutCommand {
  /** Names the command's output in the result. */
  name: string;
  argv: string[];
  /** Added to (and overriding) the environment the commands inherit. */
  env?: Record<string, string>;
}

export interface CommandResult {
  name: string;
  /** Exit code of the last run. */
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of each run, milliseconds. */
  ms: number[];
}

export interface LayoutResult {
  commands: Record<string, CommandResult>;
  /** `ps -eo pid,uid,comm,args` inside the namespace once the stand-ins run. */
  ps: string;
  /** What the layout script logged (mounts made). */
  log: string;
}

export interface LayoutOptions extends LayoutBase {
  timeoutMs?: number;
  /**
   * Run the command list this many times (default 1), round after round, so that timings of
   * different commands share the machine's ups and downs; the output kept is the last round's.
   */
  rounds?: number;
  /** Keep the fixture tree and work directory (for debugging). */
  keep?: boolean;
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Why layouts cannot run here, or undefined when they can (root, unshare, a private mount works). */
export function layoutUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (!isRoot()) return 'not root (mount namespaces with bind mounts need CAP_SYS_ADMIN)';
  const probe = spawnSync('unshare', ['--mount', '--pid', '--fork', '--uts', '--mount-proc', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs probe /mnt && hostname probe'], { encoding: 'utf8' });
  if (probe.error) return `unshare: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare --mount --pid --uts failed: ${probe.stderr.trim()}`;
  const leaking = HOST_FILES_THAT_LEAK.filter((f) => fs.existsSync(f));
  if (leaking.length > 0) return `this host has its own kubelet unit files (${leaking.join(', ')}): they would leak into the layouts`;
  return undefined;
}

/** Run a command to its end without blocking the event loop (a test worker must keep answering). */
function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stderr, error });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The options every layout takes. */
export interface LayoutBase {
  /** The stand-in binary (tools/kube-bench/idle). */
  idle: string;
  /** Extra executables made available on PATH inside the namespace (copied with mode 0755). */
  pathFiles?: string[];
  /**
   * Bind the fixture's kernel parameters over /proc/sys (default true). A container started in the
   * namespace mounts a /proc of its own, which shows the real kernel's: a layout that runs
   * containers leaves them out, so that every reader sees the same values.
   */
  sysctls?: boolean;
}

/** A layout script being written: the fixture's tree, its work directory, and the lines so far. */
export interface LayoutScript {
  fixtureRoot: string;
  /** bin/ (stand-in links), path/ (pathFiles), out/ (ps.txt, outputs), layout.log. */
  work: string;
  lines: string[];
}

/** How the layout script is started: a private mount, PID and UTS namespace; its end ends them. */
export const UNSHARE_ARGS = ['--mount', '--pid', '--fork', '--kill-child', '--uts', '--mount-proc', '--propagation', 'private'];

/**
 * The lines that lay `spec` out and start its stand-ins (steps 1 to 5 above), ending with their
 * `ps` in out/ps.txt, PATH extended and `set +e`. Remove with removeLayout().
 */
export function layoutScript(spec: HostSpec, opts: LayoutBase): LayoutScript {
  const fixtureRoot = buildHostTree(spec, 'rke-harden-layout-fixture-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-layout-'));
  // World-traversable: stand-ins started as the fixture's etcd uid exec through it.
  fs.chmodSync(work, 0o755);
  for (const d of ['bin', 'path', 'out', 'ov']) fs.mkdirSync(path.join(work, d), { mode: 0o755 });
  const idle = path.join(work, 'idle');
  fs.copyFileSync(opts.idle, idle);
  fs.chmodSync(idle, 0o755);
  for (const f of opts.pathFiles ?? []) {
    fs.copyFileSync(f, path.join(work, 'path', path.basename(f)));
    fs.chmodSync(path.join(work, 'path', path.basename(f)), 0o755);
  }

  const lines = ['set -euo pipefail', `W=${q(work)}`, 'log() { printf "%s\\n" "$*" >> "$W/layout.log"; }', 'mount -t tmpfs -o mode=0700 layout-overlays "$W/ov"'];
  let n = 0;
  for (const op of planMounts(spec, fixtureRoot)) {
    switch (op.op) {
      case 'overlay':
        n++;
        lines.push(`mkdir -p "$W/ov/${n}/up" "$W/ov/${n}/work"`, `mount -t overlay layout-overlay -o lowerdir=${q(op.target)},upperdir="$W/ov/${n}/up",workdir="$W/ov/${n}/work" ${q(op.target)}`, `log overlay ${q(op.target)}`);
        break;
      case 'mkdir':
        lines.push(`mkdir -p ${q(op.target)}`);
        break;
      case 'touch':
        lines.push(`mkdir -p "$(dirname ${q(op.target)})"`, `: > ${q(op.target)}`);
        break;
      case 'bind':
        lines.push(`mount --bind ${q(op.source)} ${q(op.target)}`, `log bind ${q(op.target)}`);
        break;
      case 'tmpfs':
        lines.push(`mount -t tmpfs -o mode=0755 layout-empty ${q(op.target)}`, `log tmpfs ${q(op.target)}`);
        break;
    }
  }
  // Kernel parameters (the namespace's own /proc, from --mount-proc) and the host name.
  if (opts.sysctls ?? true) {
    for (const name of Object.keys(spec.sysctls)) {
      const rel = `proc/sys/${name.split('.').join('/')}`;
      lines.push(`if [ -e /${rel} ]; then mount --bind ${q(path.join(fixtureRoot, rel))} /${rel}; log sysctl ${q(name)}; fi`);
    }
  }
  lines.push(`hostname ${q(spec.hostname)}`);

  // Stand-in processes, in pid order (the audit picks the oldest of several).
  lines.push('pids=()');
  for (const p of [...spec.processes].sort((a, b) => a.pid - b.pid)) {
    const argv0 = p.argv[0]!;
    const comm = path.basename(argv0);
    const link = path.join(work, 'bin', comm);
    if (!fs.existsSync(link)) fs.symlinkSync(idle, link);
    const env = Object.entries(p.env ?? {}).map(([k, v]) => `${k}=${q(v)}`);
    const exec = `${env.length ? `env ${env.join(' ')} ` : ''}bash -c 'exec -a "$0" "$@"' ${[argv0, link, ...p.argv.slice(1)].map(q).join(' ')}`;
    const uid = p.uid ?? 0;
    lines.push(`${uid === 0 ? '' : `setpriv --reuid=${uid} --regid=${uid} --clear-groups -- `}${exec} </dev/null >/dev/null 2>&1 &`, 'pids+=($!)');
  }
  // Wait until every stand-in has exec'd the idle binary (its comm and cmdline are final then).
  lines.push(
    'for pid in "${pids[@]}"; do',
    '  for _ in $(seq 1 500); do [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$W/idle" ] && break; sleep 0.01; done',
    '  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$W/idle" ] || { echo "stand-in $pid did not start" >&2; exit 1; }',
    'done',
    'ps -eo pid,uid,comm,args > "$W/out/ps.txt"',
    'export PATH="$PATH:$W/path"',
    'set +e',
  );
  return { fixtureRoot, work, lines };
}

/** Removes a layout's fixture tree and work directory. */
export function removeLayout(layout: LayoutScript): void {
  removeHostTree(layout.fixtureRoot);
  fs.rmSync(layout.work, { recursive: true, force: true });
}

/** Lay `spec` out in a private namespace and run `commands` there. */
export async function runInLayout(spec: HostSpec, commands: LayoutCommand[], opts: LayoutOptions): Promise<LayoutResult> {
  const layout = layoutScript(spec, opts);
  const { work, lines } = layout;
  try {
    lines.push(...commands.map((c) => `: > "$W/out/${c.name}.runs"`), `for _ in $(seq 1 ${opts.rounds ?? 1}); do`);
    for (const c of commands) {
      const env = Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${q(v)}`);
      const cmd = [...(env.length ? ['env', ...env] : []), ...c.argv.map(q)].join(' ');
      const o = `"$W/out/${c.name}"`;
      lines.push(`  t0=$EPOCHREALTIME; ${cmd} > ${o}.stdout 2> ${o}.stderr; rc=$?; t1=$EPOCHREALTIME`, `  echo "$rc $t0 $t1" >> ${o}.runs`);
    }
    lines.push('done');
    const script = path.join(work, 'layout.sh');
    fs.writeFileSync(script, lines.join('\n') + '\n', { mode: 0o755 });

    const r = await run('unshare', [...UNSHARE_ARGS, 'bash', script], opts.timeoutMs ?? 900_000);
    const read = (f: string) => (fs.existsSync(path.join(work, f)) ? fs.readFileSync(path.join(work, f), 'utf8') : '');
    if (r.error || r.code !== 0) {
      throw new Error(`layout of ${spec.hostname} failed (${r.error?.message ?? `exit ${r.code}`}): ${r.stderr}\n${read('layout.log')}`);
    }
    const result: LayoutResult = { commands: {}, ps: read('out/ps.txt'), log: read('layout.log') };
    for (const c of commands) {
      const runs = read(`out/${c.name}.runs`).trim().split('\n').filter(Boolean).map((l) => l.split(' '));
      result.commands[c.name] = {
        name: c.name,
        code: Number(runs.at(-1)?.[0] ?? -1),
        stdout: read(`out/${c.name}.stdout`),
        stderr: read(`out/${c.name}.stderr`),
        ms: runs.map(([, t0, t1]) => (Number(t1) - Number(t0)) * 1000),
      };
    }
    return result;
  } finally {
    if (!opts.keep) removeLayout(layout);
  }
}
