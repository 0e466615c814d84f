/** A fact is one observed or derived value with its provenance (design.md §2.3). */
export type FactSource = 'process' | 'file' | 'api' | 'config' | 'default';

export interface Location {
  file: string;
  line?: number;
  column?: number;
}

/** `file:line:column`, as far as it is known (`file` alone for a file-wide fact). */
export function formatLocation(l: Location | undefined): string {
  if (!l) return '';
  return l.line !== undefined ? `${l.file}:${l.line}${l.column !== undefined ? `:${l.column}` : ''}` : l.file;
}

export interface Fact {
  key: string;
  /** Scalar facts are strings (flags as written); list facts are string arrays; maps are plain objects. */
  value: FactValue;
  source: FactSource;
  /** Which layer set the value, e.g. "kdm v1.28", "cluster.yml extra_args", "config.yaml.d/50-rancher.yaml". */
  layer?: string;
  location?: Location;
  /** true when the value is secret material and must never be printed. */
  secret?: boolean;
}

export type FactValue = string | number | boolean | null | FactValue[] | { [k: string]: FactValue };

/** Facts of one target, by key. A missing key means "not set" (never "unknown"): unknown is an error fact. */
export interface FactSnapshot {
  target: { kind: 'config' | 'node' | 'cluster' | 'snapshot'; name: string };
  distro: 'rke1' | 'rke2';
  k8sVersion?: string;
  /** Where the version was read (a kubelet binary's path, an image tag, `--k8s-version`). */
  k8sVersionFrom?: string;
  facts: Record<string, Fact>;
  /** Facts that could not be collected, by key prefix, with the reason (permission denied, parse error). */
  errors: Record<string, string>;
  /** Components not present on this target, with the reason, e.g. {etcd: "no etcd on this node"}. */
  absent: Record<string, string>;
  /**
   * Facts this target cannot show, by key prefix, with who decides them: a configuration naming a
   * file it does not contain (the node has it). A check that needs one of them is manual, never
   * decided by the fact's default. Optional: snapshots of nodes and clusters have none.
   */
  elsewhere?: Record<string, string>;
  /**
   * Where facts under a key prefix are read, e.g. kubelet.args → "command line of pid 812,
   * /var/lib/kubelet/config.yaml": the evidence of a fact that is not set says where it was looked for.
   */
  searched?: Record<string, string>;
  /**
   * Where this target's RKE2 settings are written when not in /etc/rancher/rke2/config.yaml (a Rancher
   * Cluster: its rkeConfig maps): remediations name it instead.
   */
  settingsIn?: string;
  /**
   * The profile an audit was told to use (`--benchmark`), saved with its snapshot so that
   * `audit snapshot` replays the same report; absent when the audit chose it from distro and version.
   */
  benchmark?: string;
  /** The rke-harden version that saved it (`--snapshot-out`), so a replay by another version says so. */
  collectedBy?: string;
  warnings: string[];
}

export function emptySnapshot(
  target: FactSnapshot['target'],
  distro: FactSnapshot['distro'],
  k8sVersion?: string,
): FactSnapshot {
  return { target, distro, k8sVersion, facts: {}, errors: {}, absent: {}, warnings: [] };
}
