// Every disagreement between kube-bench and rke-harden that the differential test accepts, with its
// reason: an upstream kube-bench data bug (with its issue, or the file at the pinned tag where no issue
// is known), or a deliberate deviation of ours (with the evidence). Each entry lists the exact cases
// (kube-bench benchmarks × fixtures × controls → the pair of verdicts) it explains: a verdict that
// changes, on either side, is no longer explained and fails the test; an entry that explains nothing
// any more is stale and fails it too. docs/differential.md §4 is the prose version of this list.
import type { HostFixtureName } from '../../test/fixtures/hosts/index.js';
import type { ControlComparison, ProfileComparison, Verdict } from './differential.js';

export interface AllowCase {
  /** kube-bench benchmarks. */
  profiles: string[];
  fixtures: HostFixtureName[];
  controls: string[];
  kubeBench: Verdict;
  ours: Verdict;
}

export interface AllowEntry {
  id: string;
  kind: 'upstream-bug' | 'deviation';
  reason: string;
  /** Upstream issues / PRs / files (upstream-bug), or where the evidence is (deviation). */
  links: string[];
  cases: AllowCase[];
}

const RKE2_DEFAULT: HostFixtureName = 'rke2-server-default';
const RKE2_HARDENED: HostFixtureName = 'rke2-server-hardened';
const RKE2_CP_ONLY: HostFixtureName = 'rke2-controlplane-only';
const RKE2_AGENT: HostFixtureName = 'rke2-agent';
const RKE1_CP_DEFAULT: HostFixtureName = 'rke1-etcd-controlplane-default';
const RKE1_CP_HARDENED: HostFixtureName = 'rke1-etcd-controlplane-hardened';
const RKE1_WORKER_DEFAULT: HostFixtureName = 'rke1-worker-default';
const RKE1_WORKER_HARDENED: HostFixtureName = 'rke1-worker-hardened';

export const ALLOW_LIST: AllowEntry[] = [
  {
    id: 'kubelet-conf-d',
    kind: 'upstream-bug',
    reason: "kube-bench's cfg/config.yaml lists RKE2's drop-in directory /var/lib/rancher/rke2/agent/etc/kubelet.conf.d as the kubelet config ($kubeletconf). RKE2 v1.32+ has only drop-ins there, no config file: rke2-cis-1.23/1.24/1.7 run `cat $kubeletconf` on the directory (\"Is a directory\", every 4.2.x check falls back to the argv, where RKE2 v1.32 no longer passes these settings) and stat the directory itself for 4.1.9 (mode 700 fails the 644 bitmask); rke2-cis-1.8 concatenates every file of the directory (`cat dir/*`: 00-rke2-defaults.conf, 50-operator.conf and a README) and parses the result as one YAML document, which fails. rke-harden reads the *.conf drop-ins in lexical order and merges them as the kubelet does (docs/node-audit.md, kubelet).",
    links: ["docs/research/kube-bench.md \u00a74.5", "https://github.com/aquasecurity/kube-bench/issues/1973"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.1.9'], kubeBench: 'FAIL', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.1', '4.2.2', '4.2.3', '4.2.6'], kubeBench: 'FAIL', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.4'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.5', '4.2.9'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.7', '4.2.11'], kubeBench: 'FAIL', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.10'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.12'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.8', '4.2.11', '4.2.13'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.10'], kubeBench: 'FAIL', ours: 'PASS' },
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.2.4'], kubeBench: 'FAIL', ours: 'PASS' },
    ],
  },
  {
    id: 'missing-helper-scripts',
    kind: 'upstream-bug',
    reason: "4.1.7/4.1.8 call check_cafile_permissions.sh / check_cafile_ownership.sh, which kube-bench does not ship (only check_files_owner_in_dir.sh, which the layout puts on PATH as upstream's image does): \"not found\", exit 127, WARN whatever the CA file's mode. rke-harden stats the kubelet's --client-ca-file.",
    links: ["docs/research/kube-bench.md \u00a74.1"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['4.1.7', '4.1.8'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'node-prefix',
    kind: 'upstream-bug',
    reason: "The audit uses the rancher/security-scan container mount prefix /node: rke2-cis-1.8 1.1.21 looks in /node/etc/kubernetes/ssl (an RKE1 path; RKE2 keeps its PKI in /var/lib/rancher/rke2/server/tls) and prints \"Directory not found\"; rke-cis-1.23 4.1.5/4.1.6 stat /node$kubeletkubeconfig, which prints nothing outside security-scan's pod, so the scored check FAILs. #1746 fixed the same prefix in 1.1.19/4.1.7/4.1.8 only.",
    links: ["docs/research/kube-bench.md \u00a74.3", "https://github.com/aquasecurity/kube-bench/issues/1746"],
    cases: [
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.1.21'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED, RKE1_WORKER_DEFAULT, RKE1_WORKER_HARDENED], controls: ['4.1.5', '4.1.6'], kubeBench: 'FAIL', ours: 'PASS' },
    ],
  },
  {
    id: 'rke-1.7-bind-address',
    kind: 'upstream-bug',
    reason: "rke-cis-1.7 1.3.7/1.4.2 test `test -e $controllermanagerbin`/`$schedulerbin`, which hold a process name, not a path: the audit echoes \"binary not found\" and the OR'd test item turns that into PASS. The fixtures do not pass --bind-address, so kube-controller-manager and kube-scheduler listen on 0.0.0.0 (their default): rke-harden FAILs, which is right.",
    links: ["docs/research/kube-bench.md \u00a74.2", "https://github.com/aquasecurity/kube-bench/issues/1780", "https://github.com/aquasecurity/kube-bench/pull/1792"],
    cases: [
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.3.7', '1.4.2'], kubeBench: 'PASS', ours: 'FAIL' },
    ],
  },
  {
    id: 'etcdconf-not-manifest',
    kind: 'upstream-bug',
    reason: "1.1.7/1.1.8 are about the etcd pod specification file (RKE2: /var/lib/rancher/rke2/agent/pod-manifests/etcd.yaml), but kube-bench's $etcdconf resolves to etcd's own config file /var/lib/rancher/rke2/server/db/etcd/config. Default RKE2: the config file is 600 (PASS) while the manifest is 644 (rke-harden: fail, unscored in these profiles); with profile: cis the config file is owned etcd:etcd (kube-bench FAILs root:root) while the manifest is root:root (rke-harden PASS).",
    links: ["docs/research/kube-bench.md \u00a71.4", "https://github.com/aquasecurity/kube-bench/issues/1626"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_DEFAULT], controls: ['1.1.7'], kubeBench: 'PASS', ours: 'WARN' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_HARDENED], controls: ['1.1.8'], kubeBench: 'FAIL', ours: 'PASS' },
    ],
  },
  {
    id: 'etcd-on-cp-only',
    kind: 'upstream-bug',
    reason: "A control-plane-only RKE2 server (disable-etcd) has no etcd manifest, config or data directory. kube-bench still runs the etcd checks of its master target and passes them on the \"Directory not found\" branch; rke-harden reports them not applicable (\"no etcd on this node\"), which is what the reporter of #1978 asks for.",
    links: ["https://github.com/aquasecurity/kube-bench/issues/1978"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_CP_ONLY], controls: ['1.1.7', '1.1.8', '1.1.11'], kubeBench: 'PASS', ours: 'INFO' },
    ],
  },
  {
    id: 'mode-compare',
    kind: 'upstream-bug',
    reason: "The permission checks compare strings instead of modes: rke2-cis-1.23/1.24 1.1.1/1.1.3 (and rke2-cis-1.23 1.1.5) use `op: eq 644` for \"644 or more restrictive\", so 600 FAILs; rke2-cis-1.24 1.1.3/1.1.5 test a flag \"644\" against the value \"600\", which can never pass (default fixture: FAIL where rke-harden reports the 644 manifest as an unscored fail); rke2-cis-1.23 1.1.15/1.1.17/4.1.5 look for the flag \"644\" in `stat -c %a` output, so a 600 file FAILs. rke-harden compares modes as bitmasks.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.23/master.yaml", "https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.24/master.yaml", "https://github.com/aquasecurity/kube-bench/issues/541", "https://github.com/rancher/security-scan/issues/39", "https://github.com/aquasecurity/kube-bench/issues/1843"],
    cases: [
      { profiles: ['rke2-cis-1.23'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.1.15', '1.1.17'], kubeBench: 'FAIL', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['4.1.5'], kubeBench: 'FAIL', ours: 'PASS' },
      { profiles: ['rke2-cis-1.24'], fixtures: [RKE2_DEFAULT], controls: ['1.1.3', '1.1.5'], kubeBench: 'FAIL', ours: 'WARN' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_CP_ONLY, RKE2_HARDENED], controls: ['1.1.1', '1.1.3'], kubeBench: 'FAIL', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23'], fixtures: [RKE2_CP_ONLY, RKE2_HARDENED], controls: ['1.1.5'], kubeBench: 'FAIL', ours: 'PASS' },
    ],
  },
  {
    id: 'host-local-lock',
    kind: 'upstream-bug',
    reason: "1.1.9 also stats every file under /var/lib/cni/networks, where the CNI host-local IPAM plugin (canal's) keeps its reservations (0600 since plugins v1.4.0) and a lock file it creates 0750 (go-filemutex), whatever the version: the lock fails the 600 (or 644) bitmask on every such node, and no setting changes it. (Here kube-bench reads only that directory: its first command needs the kubelet's --cni-conf-dir flag, removed with dockershim in 1.24, so /etc/cni/net.d is never read, #1669.) rke-harden reads the reservations but leaves the lock out, and says so in the evidence.",
    links: ['https://github.com/aquasecurity/kube-bench/issues/902', 'https://github.com/aquasecurity/kube-bench/issues/2119', 'https://github.com/aquasecurity/kube-bench/pull/2120', 'https://github.com/aquasecurity/kube-bench/issues/1669'],
    cases: [
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.1.9'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke-cis-1.24', 'rke-cis-1.7'], fixtures: [RKE1_CP_HARDENED], controls: ['1.1.9'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_CP_ONLY, RKE2_HARDENED], controls: ['1.1.9'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23'], fixtures: [RKE2_DEFAULT], controls: ['1.1.9'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'cni-bashism',
    kind: 'upstream-bug',
    reason: "rke2-cis-1.24 1.1.10's audit is a quoted string starting with `'/bin/sh -c \"if [[ -e /etc/cni/net.d ]]` run by /bin/sh (dash): the command fails, WARN. rke-harden reads the CNI files' owners.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.24/master.yaml"],
    cases: [
      { profiles: ['rke2-cis-1.24'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.1.10'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'pki-quoting',
    kind: 'upstream-bug',
    reason: "rke2-cis-1.24 1.1.21's audit starts with a stray quote (`'/bin/sh -c if test -e \"/var/lib/rancher/rke2/server/tls/*.key\"`) and quotes the glob: it fails to run, WARN. rke-harden stats every key under server/tls.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.24/master.yaml", "https://github.com/aquasecurity/kube-bench/pull/1685"],
    cases: [
      { profiles: ['rke2-cis-1.24'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.1.21'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'pki-kubeadm-path',
    kind: 'upstream-bug',
    reason: "rke-cis-1.23 1.1.20/1.1.21 look in kubeadm's /etc/kubernetes/pki (*.crt, *.key); RKE1 keeps its PKI in /etc/kubernetes/ssl (*.pem, *-key.pem): `find` fails, WARN. The same class of wrong-path bug as #1746.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke-cis-1.23/master.yaml", "https://github.com/aquasecurity/kube-bench/issues/1746"],
    cases: [
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.1.20', '1.1.21'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'pki-first-line',
    kind: 'upstream-bug',
    reason: "rke-cis-1.24 1.1.20 lists the mode of every certificate but lacks use_multiple_values, so kube-bench tests only the first line (600) and PASSes although kube-ca.pem is 644 (RKE's cert-deployer makes it world-readable when services.etcd uid/gid are set). rke-harden reports the 644 file (unscored in this profile).",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke-cis-1.24/master.yaml", "docs/research/kube-bench.md \u00a73.1 (only the first occurrence of a flag counts)"],
    cases: [
      { profiles: ['rke-cis-1.24'], fixtures: [RKE1_CP_HARDENED], controls: ['1.1.20'], kubeBench: 'PASS', ours: 'WARN' },
    ],
  },
  {
    id: 'encryption-json',
    kind: 'upstream-bug',
    reason: "rke2-cis-1.8 1.2.29 greps `providers:` in the encryption configuration, a YAML idiom; RKE2 writes /var/lib/rancher/rke2/server/cred/encryption-config.json as JSON (\"providers\":), so the audit prints nothing and WARNs. rke-harden parses the file and finds aescbc first for secrets.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.8/master.yaml"],
    cases: [
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.2.29'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'client-ca-config-only',
    kind: 'upstream-bug',
    reason: "rke2-cis-1.8 4.2.3 tests only the config files (flag clientCAFile / path .authentication.x509.clientCAFile); RKE2 before v1.32 passes --client-ca-file on the kubelet's command line (the v1.31 default fixture), which the test never looks for: FAIL. rke-harden merges flags and config as the kubelet does.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.8/node.yaml"],
    cases: [
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_DEFAULT], controls: ['4.2.3'], kubeBench: 'FAIL', ours: 'PASS' },
    ],
  },
  {
    id: 'rke1-no-else',
    kind: 'upstream-bug',
    reason: "rke-cis-1.24 4.1.1/4.1.9/4.1.10 run `if test -e $file; then stat ...; fi` without an else branch: RKE1 has no kubelet service file and no kubelet config file (the kubelet runs as a container with flags), the audit prints nothing and the scored check FAILs. Rancher's own rke-cis-1.24 profiles (security-scan), which rke-harden follows, mark these not applicable.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke-cis-1.24/node.yaml", "benchmarks/rke-cis-1.24-hardened.yaml"],
    cases: [
      { profiles: ['rke-cis-1.24'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED, RKE1_WORKER_DEFAULT, RKE1_WORKER_HARDENED], controls: ['4.1.1', '4.1.9', '4.1.10'], kubeBench: 'FAIL', ours: 'INFO' },
    ],
  },
  {
    id: 'protect-kernel-defaults-unset',
    kind: 'upstream-bug',
    reason: "rke2-cis-1.23/1.24 4.2.6 OR a second test item `set: false`, so an unset --protect-kernel-defaults PASSes, although the kubelet's default is false. The default RKE2 fixture does not set it: rke-harden FAILs, which is right.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.23/node.yaml", "https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.24/node.yaml"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_DEFAULT], controls: ['4.2.6'], kubeBench: 'PASS', ours: 'FAIL' },
    ],
  },
  {
    id: 'skip-rke2',
    kind: 'deviation',
    reason: "kube-bench's rke2 data marks these checks `type: skip` (INFO, never run): its copy carries Rancher's permissive skips (audit logging 1.2.18-1.2.22 and 3.2.1, etcd TLS 2.x, 1.1.12 etcd data dir owner, cipher suites, 1.3.6/4.2.12 certificate rotation, 4.1.9/4.1.10 kubelet config). rke-harden compares against Rancher's hardened variant (what a bare `--benchmark rke2-cis-1.x` means), which audits them. The verdicts follow the fixture: the default RKE2 server has no audit log (FAIL), the hardened one passes.",
    links: ["benchmarks/rke2-cis-1.23-hardened.yaml", "benchmarks/rke2-cis-1.24-hardened.yaml", "benchmarks/rke2-cis-1.7-hardened.yaml", "benchmarks/rke2-cis-1.8-hardened.yaml", "docs/research/kube-bench.md \u00a72.3"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_DEFAULT], controls: ['1.1.12'], kubeBench: 'INFO', ours: 'WARN' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_DEFAULT], controls: ['1.2.19', '1.2.20', '1.2.21', '3.2.1'], kubeBench: 'INFO', ours: 'FAIL' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_DEFAULT], controls: ['1.2.22'], kubeBench: 'INFO', ours: 'FAIL' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.2.32'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.3.6'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_DEFAULT, RKE2_HARDENED], controls: ['2.1', '2.2', '2.4', '2.5'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.24'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['4.2.12'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.7'], fixtures: [RKE2_DEFAULT], controls: ['1.2.18'], kubeBench: 'INFO', ours: 'FAIL' },
      { profiles: ['rke2-cis-1.7'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.2.30', '1.2.31'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_HARDENED], controls: ['1.1.12'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_CP_ONLY, RKE2_HARDENED], controls: ['1.2.19', '1.2.20', '1.2.21', '3.2.1'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_CP_ONLY, RKE2_HARDENED], controls: ['1.2.22'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.7'], fixtures: [RKE2_CP_ONLY, RKE2_HARDENED], controls: ['1.2.18'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_HARDENED], controls: ['4.1.9', '4.1.10'], kubeBench: 'INFO', ours: 'PASS' },
    ],
  },
  {
    id: 'skip-rke1',
    kind: 'deviation',
    reason: "kube-bench's rke data marks these checks `type: skip` (INFO, never run). rke-harden's Rancher hardened profiles audit them, and the verdicts follow the fixture (for example the default cluster.yml sets no --kubelet-certificate-authority, no encryption provider and no kubelet serving certificate; neither RKE1 fixture sets --protect-kernel-defaults, which Rancher's template for Kubernetes 1.25+ no longer sets either, so rke-cis-1.23/1.24 applied to these v1.28 nodes fail 4.2.6).",
    links: ["benchmarks/rke-cis-1.23-hardened.yaml", "benchmarks/rke-cis-1.24-hardened.yaml", "benchmarks/rke-cis-1.7-hardened.yaml", "docs/research/kube-bench.md \u00a72.3", "/work/shared/reference/rancher/rke1-cluster-hardened-k8s-1.25-plus.yml"],
    cases: [
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_DEFAULT], controls: ['1.2.6', '1.2.31'], kubeBench: 'INFO', ours: 'FAIL' },
      { profiles: ['rke-cis-1.23', 'rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT], controls: ['1.2.30'], kubeBench: 'INFO', ours: 'WARN' },
      { profiles: ['rke-cis-1.23', 'rke-cis-1.24'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED, RKE1_WORKER_DEFAULT, RKE1_WORKER_HARDENED], controls: ['4.2.6'], kubeBench: 'INFO', ours: 'FAIL' },
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_DEFAULT, RKE1_WORKER_DEFAULT], controls: ['4.2.10'], kubeBench: 'INFO', ours: 'FAIL' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT], controls: ['1.1.12'], kubeBench: 'INFO', ours: 'FAIL' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT], controls: ['1.2.12', '1.2.29'], kubeBench: 'INFO', ours: 'WARN' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED, RKE1_WORKER_DEFAULT, RKE1_WORKER_HARDENED], controls: ['4.2.8', '4.2.12'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT, RKE1_WORKER_DEFAULT], controls: ['4.2.9'], kubeBench: 'INFO', ours: 'WARN' },
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_HARDENED], controls: ['1.2.6', '1.2.31'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke-cis-1.23', 'rke-cis-1.7'], fixtures: [RKE1_CP_HARDENED], controls: ['1.2.30'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_HARDENED, RKE1_WORKER_HARDENED], controls: ['4.2.10'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_HARDENED], controls: ['1.1.12', '1.2.12', '1.2.29'], kubeBench: 'INFO', ours: 'PASS' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_HARDENED, RKE1_WORKER_HARDENED], controls: ['4.2.9'], kubeBench: 'INFO', ours: 'PASS' },
    ],
  },
  {
    id: 'manual-automated',
    kind: 'deviation',
    reason: "kube-bench marks these `type: manual` (WARN without running anything); rke-harden decides them from the node: --anonymous-auth, --request-timeout (the built-in 60s default is a non-zero timeout), the cipher suites, and (rke-cis-1.23 1.2.13) PodSecurity admission in place of SecurityContextDeny.",
    links: ["docs/differential.md \u00a72 (manual)", "benchmarks/"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.2.1'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.2.21'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke-cis-1.23', 'rke-cis-1.24'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.2.23'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.2.32'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.2.22'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_CP_HARDENED], controls: ['1.2.13'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'not-in-our-profile',
    kind: 'deviation',
    reason: "rke2-cis-1.23/1.24 1.2.31 (encryption providers, skip in kube-bench) is not in Rancher's rke2-cis-1.23/1.24-hardened profiles that rke-harden imports (they go from 1.2.30 to 1.2.32; encryption providers are covered by 1.2.30's check).",
    links: ["/work/shared/reference/rancher/security-scan-cfg/rke2-cis-1.23-hardened/master.yaml", "benchmarks/rke2-cis-1.23-hardened.yaml"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.2.31'], kubeBench: 'INFO', ours: 'ABSENT' },
    ],
  },
  {
    id: 'role-targets',
    kind: 'deviation',
    reason: "kube-bench, as its own role detection would, is not asked for the master/controlplane targets on a worker (no kube-apiserver); rke-harden audits one node against the whole profile. The CNI files (1.1.9/1.1.10) exist on every node and are audited there; the controlplane-section recommendations without an automated check (3.1.x, 3.2.2) are listed as manual on every node.",
    links: ["bench/differential/differential.ts kubeBenchTargets", "docs/node-audit.md (roles)"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_AGENT], controls: ['1.1.9', '1.1.10'], kubeBench: 'NOT RUN', ours: 'PASS' },
      { profiles: ['rke-cis-1.23'], fixtures: [RKE1_WORKER_DEFAULT, RKE1_WORKER_HARDENED], controls: ['1.1.9'], kubeBench: 'NOT RUN', ours: 'PASS' },
      { profiles: ['rke-cis-1.24', 'rke-cis-1.7'], fixtures: [RKE1_WORKER_HARDENED], controls: ['1.1.9'], kubeBench: 'NOT RUN', ours: 'PASS' },
      { profiles: ['rke-cis-1.23', 'rke-cis-1.24', 'rke-cis-1.7'], fixtures: [RKE1_WORKER_DEFAULT, RKE1_WORKER_HARDENED], controls: ['1.1.10'], kubeBench: 'NOT RUN', ours: 'PASS' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_AGENT], controls: ['1.2.31'], kubeBench: 'NOT RUN', ours: 'ABSENT' },
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_AGENT], controls: ['3.1.1', '3.2.2'], kubeBench: 'NOT RUN', ours: 'WARN' },
      { profiles: ['rke-cis-1.23', 'rke-cis-1.24', 'rke-cis-1.7'], fixtures: [RKE1_WORKER_DEFAULT, RKE1_WORKER_HARDENED], controls: ['3.1.1', '3.2.2'], kubeBench: 'NOT RUN', ours: 'WARN' },
      { profiles: ['rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_AGENT], controls: ['3.1.2', '3.1.3'], kubeBench: 'NOT RUN', ours: 'WARN' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_WORKER_DEFAULT, RKE1_WORKER_HARDENED], controls: ['3.1.2', '3.1.3'], kubeBench: 'NOT RUN', ours: 'WARN' },
      { profiles: ['rke-cis-1.24', 'rke-cis-1.7'], fixtures: [RKE1_WORKER_DEFAULT], controls: ['1.1.9'], kubeBench: 'NOT RUN', ours: 'WARN' },
    ],
  },
  {
    id: 'na-in-our-profile',
    kind: 'deviation',
    reason: "Rancher's hardened profiles mark these not applicable, kube-bench's copies run them: PodSecurityPolicy/SecurityContextDeny 1.2.12 on RKE2 (PSP is gone since Kubernetes 1.25, see #1451), the kubelet service file 4.1.1/4.1.2 on RKE2 (the rke2 process starts the kubelet; kube-bench passes on \"File not found\"), --hostname-override 4.2.7 on RKE2 (RKE2 always sets it), and on RKE1 1.1.1 (no kube-apiserver pod spec) and 1.3.6 (RKE rotates certificates itself; the same change was proposed upstream in #1685).",
    links: ["benchmarks/rke2-cis-1.7-hardened.yaml", "benchmarks/rke2-cis-1.8-hardened.yaml", "benchmarks/rke-cis-1.24-hardened.yaml", "https://github.com/aquasecurity/kube-bench/issues/1451", "https://github.com/aquasecurity/kube-bench/pull/1685"],
    cases: [
      { profiles: ['rke2-cis-1.7', 'rke2-cis-1.8'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.2.12'], kubeBench: 'WARN', ours: 'INFO' },
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['4.1.1', '4.1.2'], kubeBench: 'PASS', ours: 'INFO' },
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['4.2.7'], kubeBench: 'WARN', ours: 'INFO' },
      { profiles: ['rke-cis-1.24'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.1.1', '1.3.6'], kubeBench: 'PASS', ours: 'INFO' },
    ],
  },
  {
    id: 'no-kubelet-config',
    kind: 'deviation',
    reason: "The default RKE2 v1.31 fixture's kubelet takes every setting as a flag (no --config, no --config-dir): kube-bench passes 4.1.9/4.1.10 on \"File not found\", rke-harden reports them not applicable (\"no kubelet config file in use\"), as #1978 asks.",
    links: ["https://github.com/aquasecurity/kube-bench/issues/1978"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_DEFAULT], controls: ['4.1.9', '4.1.10'], kubeBench: 'PASS', ours: 'INFO' },
    ],
  },
  {
    id: 'event-qps-default',
    kind: 'deviation',
    reason: "4.2.9 asks for --event-qps \"0 or a level which ensures appropriate event capture\"; kube-bench's rke2-cis-1.23/1.24 test only `eq 0`, so an unset flag WARNs. rke-harden accepts the kubelet default (eventRecordQPS 50 since Kubernetes 1.27) as such a level.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.23/node.yaml"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_DEFAULT], controls: ['4.2.9'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'mode-threshold',
    kind: 'deviation',
    reason: "rke2-cis-1.24 1.1.1: kube-bench's copy says 644 (eq 644), Rancher's rke2-cis-1.24-hardened profile that rke-harden follows says 600 (unscored), after RKE2 moved its manifests to 600 for CIS 1.24 (rancher/rke2#4473). The default fixture's manifest is 644.",
    links: ["benchmarks/rke2-cis-1.24-hardened.yaml", "https://github.com/rancher/rke2/issues/4473"],
    cases: [
      { profiles: ['rke2-cis-1.24'], fixtures: [RKE2_DEFAULT], controls: ['1.1.1'], kubeBench: 'PASS', ours: 'WARN' },
    ],
  },
  {
    id: 'deny-service-external-ips',
    kind: 'deviation',
    reason: "CIS 1.7 turned 1.2.3 around: \"Ensure that the DenyServiceExternalIPs is set\" (Manual). kube-bench's rke/rke2-cis-1.7 keep the 1.6 wording (\"is not set\", PASS when absent); rke-harden's profiles follow 1.7 and report the missing plugin as an unscored fail.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke2-cis-1.7/master.yaml", "benchmarks/rke2-cis-1.7-hardened.yaml"],
    cases: [
      { profiles: ['rke2-cis-1.7'], fixtures: [RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['1.2.3'], kubeBench: 'PASS', ours: 'WARN' },
      { profiles: ['rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.2.3'], kubeBench: 'PASS', ours: 'WARN' },
    ],
  },
  {
    id: 'psa-for-securitycontextdeny',
    kind: 'deviation',
    reason: "1.2.13 (SecurityContextDeny if PodSecurityPolicy is not used): the hardened fixtures enforce the restricted Pod Security Standard through the PodSecurity admission configuration, which rke-harden accepts in place of SecurityContextDeny/PSP (both removed from Kubernetes); kube-bench looks only for the two plugin names.",
    links: ["docs/node-audit.md (admission configuration facts)", "https://github.com/aquasecurity/kube-bench/issues/1451"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24'], fixtures: [RKE2_CP_ONLY, RKE2_HARDENED], controls: ['1.2.13'], kubeBench: 'WARN', ours: 'PASS' },
      { profiles: ['rke-cis-1.24'], fixtures: [RKE1_CP_HARDENED], controls: ['1.2.13'], kubeBench: 'FAIL', ours: 'PASS' },
    ],
  },
  {
    id: 'scoring',
    kind: 'deviation',
    reason: "Same finding, different scoring: Rancher's profiles that rke-harden follows score these unscored (CIS \"Manual\": rke-cis-1.24 1.2.12 AlwaysPullImages, 1.2.13, 1.2.30; rke2-cis-1.8 4.2.12 kubelet cipher suites), kube-bench's copies score them, so a failure is FAIL there and WARN here.",
    links: ["benchmarks/rke-cis-1.24-hardened.yaml", "benchmarks/rke2-cis-1.8-hardened.yaml"],
    cases: [
      { profiles: ['rke2-cis-1.8'], fixtures: [RKE2_AGENT, RKE2_CP_ONLY, RKE2_DEFAULT, RKE2_HARDENED], controls: ['4.2.12'], kubeBench: 'FAIL', ours: 'WARN' },
      { profiles: ['rke-cis-1.24'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.2.12'], kubeBench: 'FAIL', ours: 'WARN' },
      { profiles: ['rke-cis-1.24'], fixtures: [RKE1_CP_DEFAULT], controls: ['1.2.13', '1.2.30'], kubeBench: 'FAIL', ours: 'WARN' },
    ],
  },
  {
    id: 'kubelet-https-removed',
    kind: 'deviation',
    reason: "rke-cis-1.24 1.2.4 requires --kubelet-https=true; the flag was removed in Kubernetes 1.22 (the API server always uses HTTPS to kubelets since 1.19), so no v1.28 API server can carry it and kube-bench FAILs. rke-harden treats the built-in behaviour as compliant.",
    links: ["https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke-cis-1.24/master.yaml", "https://github.com/openshift/cluster-kube-apiserver-operator/pull/1184"],
    cases: [
      { profiles: ['rke-cis-1.24'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['1.2.4'], kubeBench: 'FAIL', ours: 'PASS' },
    ],
  },
  {
    id: 'cni-subdirectories',
    kind: 'deviation',
    reason: "The hardened RKE2 fixtures have Multus's subdirectory /etc/cni/net.d/multus.d with multus.kubeconfig, as Multus's thin plugin (v4) makes them: the directory 0755 (os.MkdirAll(..., 0755)), the kubeconfig 0600. kube-bench's `find -mindepth 1` lists the directory too, so its 755 WARNs on every Multus node (as does host-local's 0750 lock file: see host-local-lock); rke-harden audits the regular files at any depth, not directories (CIS asks for file permissions; docs/node-audit.md, cni-config), and passes.",
    links: ["docs/node-audit.md (cni-config)", "https://github.com/k8snetworkplumbingwg/multus-cni/blob/master/cmd/thin_entrypoint/main.go", "test/fixtures/hosts/rke2.ts"],
    cases: [
      { profiles: ['rke2-cis-1.23', 'rke2-cis-1.24', 'rke2-cis-1.7'], fixtures: [RKE2_CP_ONLY, RKE2_HARDENED], controls: ['1.1.9'], kubeBench: 'WARN', ours: 'PASS' },
    ],
  },
  {
    id: 'etcd-unique-ca',
    kind: 'deviation',
    reason: "2.7 (a unique CA for etcd): RKE1 signs etcd's certificates with kube-ca.pem, also the API server's --client-ca-file. rke-harden's check compares the two and FAILs; kube-bench's rke data only checks that --trusted-ca-file is set. RKE1 offers no setting for a separate etcd CA (see `rke-harden explain 2.7`).",
    links: ["checks/ (etcd-unique-ca; rke-harden explain 2.7)", "https://github.com/aquasecurity/kube-bench/blob/v0.15.6/cfg/rke-cis-1.7/etcd.yaml"],
    cases: [
      { profiles: ['rke-cis-1.23', 'rke-cis-1.24', 'rke-cis-1.7'], fixtures: [RKE1_CP_DEFAULT, RKE1_CP_HARDENED], controls: ['2.7'], kubeBench: 'PASS', ours: 'FAIL' },
    ],
  },
];

const caseMatches = (k: AllowCase, fixture: HostFixtureName, profile: string, c: ControlComparison): boolean =>
  k.profiles.includes(profile) && k.fixtures.includes(fixture) && k.controls.includes(c.id) && k.kubeBench === c.kubeBench && k.ours === c.ours;

/** The id of the entry explaining a disagreement, or '' when none does. */
export function explain(fixture: HostFixtureName, profile: string, c: ControlComparison): string {
  return ALLOW_LIST.find((e) => e.cases.some((k) => caseMatches(k, fixture, profile, c)))?.id ?? '';
}

/**
 * Cases that explain no disagreement of the runs given (stale: the cause went away, or a verdict
 * changed). Only cases whose fixture and profile were run are considered.
 */
export function staleCases(results: ProfileComparison[]): { entry: string; case: AllowCase; missing: string[] }[] {
  const out: { entry: string; case: AllowCase; missing: string[] }[] = [];
  for (const e of ALLOW_LIST) {
    for (const k of e.cases) {
      const missing: string[] = [];
      for (const profile of k.profiles) {
        for (const fixture of k.fixtures) {
          const run = results.find((r) => r.fixture === fixture && r.profile === profile);
          if (!run) continue;
          for (const id of k.controls) {
            const c = run.controls.find((x) => x.id === id);
            if (!c || c.agree || !caseMatches(k, fixture, profile, c)) missing.push(`${fixture} ${profile} ${id}${c ? ` (now kube-bench ${c.kubeBench}, rke-harden ${c.ours})` : ' (no such control)'}`);
          }
        }
      }
      if (missing.length) out.push({ entry: e.id, case: k, missing });
    }
  }
  return out;
}
