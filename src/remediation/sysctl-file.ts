/**
 * The kernel parameters the kubelet insists on with protect-kernel-defaults (and RKE2 with
 * `profile: cis`), as a sysctl.d drop-in (pure). An existing drop-in keeps its other lines: a wrong
 * value is rewritten in place, a missing key appended.
 */

export type SysctlSetting = readonly [key: string, value: string];

/** File and order of the keys as Rancher ships them (RKE1 guide; RKE2's rke2-cis-sysctl.conf). */
export const SYSCTL_DROP_IN = {
  rke1: {
    path: '/etc/sysctl.d/90-kubelet.conf',
    settings: [['vm.overcommit_memory', '1'], ['vm.panic_on_oom', '0'], ['kernel.panic', '10'], ['kernel.panic_on_oops', '1']] as SysctlSetting[],
  },
  rke2: {
    path: '/etc/sysctl.d/60-rke2-cis.conf',
    settings: [['vm.panic_on_oom', '0'], ['vm.overcommit_memory', '1'], ['kernel.panic', '10'], ['kernel.panic_on_oops', '1']] as SysctlSetting[],
  },
} as const;

const HEADER = '# Kernel parameters the kubelet requires with protect-kernel-defaults and RKE2 checks in CIS mode (controls 0.1-0.4; 4.2.6 in profiles before CIS 1.9). Written by rke-harden.\n';

export interface SysctlAssignment {
  /** Dotted key (`kernel/panic` is normalised to `kernel.panic`). */
  key: string;
  value: string;
  /** 0-based line index. */
  line: number;
}

/** `key = value` lines of a sysctl.conf file (`;`/`#` comments, a leading `-` ignoring errors). */
export function parseSysctl(text: string): SysctlAssignment[] {
  const out: SysctlAssignment[] = [];
  text.split('\n').forEach((raw, line) => {
    const s = raw.trim();
    if (s === '' || s.startsWith('#') || s.startsWith(';')) return;
    const eq = s.indexOf('=');
    if (eq < 0) return;
    const key = s.slice(0, eq).trim().replace(/^-/, '').replace(/\//g, '.');
    out.push({ key, value: s.slice(eq + 1).trim(), line });
  });
  return out;
}

/** The drop-in content with every setting in place: unchanged text when nothing is missing. */
export function updateSysctlText(prior: string | undefined, settings: readonly SysctlSetting[]): string {
  if (prior === undefined) return HEADER + settings.map(([k, v]) => `${k}=${v}\n`).join('');
  const lines = prior.split('\n');
  const assignments = parseSysctl(prior);
  const append: string[] = [];
  for (const [key, value] of settings) {
    const last = assignments.filter((a) => a.key === key).at(-1);
    if (!last) append.push(`${key}=${value}`);
    else if (last.value !== value) lines[last.line] = `${key}=${value}`;
  }
  let text = lines.join('\n');
  if (append.length) text += (text === '' || text.endsWith('\n') ? '' : '\n') + append.map((l) => `${l}\n`).join('');
  return text;
}

/** Directories `sysctl --system` reads, in precedence order (a file name in an earlier one masks later ones). */
export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'];

/** The files `sysctl --system` loads, in order: *.conf of SYSCTL_DIRS by name (first dir wins), then /etc/sysctl.conf. */
export function sysctlLoadOrder(listing: Record<string, string[]>, hasSysctlConf: boolean): string[] {
  const byName = new Map<string, string>();
  for (const dir of SYSCTL_DIRS) for (const name of listing[dir] ?? []) if (name.endsWith('.conf') && !byName.has(name)) byName.set(name, `${dir}/${name}`);
  const files = [...byName.keys()].sort().map((n) => byName.get(n)!);
  if (hasSysctlConf) files.push('/etc/sysctl.conf');
  return files;
}

/**
 * Warnings for settings that a file loaded after the drop-in sets to another value (the later file
 * wins). `ordered` is the load order with the drop-in in its place (see sysctlLoadOrder).
 */
export function sysctlOverrides(ordered: { path: string; text: string }[], dropIn: string, settings: readonly SysctlSetting[]): string[] {
  const warnings: string[] = [];
  const at = ordered.findIndex((f) => f.path === dropIn);
  for (const f of ordered.slice(at + 1)) {
    for (const a of parseSysctl(f.text)) {
      const want = settings.find(([k]) => k === a.key);
      if (want && want[1] !== a.value) warnings.push(`${f.path}:${a.line + 1} sets ${a.key}=${a.value} and is loaded after ${dropIn}, so it wins over ${a.key}=${want[1]}`);
    }
  }
  return warnings;
}
