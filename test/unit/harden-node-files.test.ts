// `harden node` narrows the file modes and owners the node's profile fails (CIS 1.1.x / 4.1.x), on the
// node fixtures laid out as real trees (real modes and owners): plan, apply, the audit passing after,
// rollback to the exact prior state, conflicts, and journals that are not trusted.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { runHardenNode, type HardenNodeJson, type HardenNodeOptions } from '../../src/cli/harden-node-command.js';
import { runRollback } from '../../src/cli/rollback-command.js';
import { applyNodePlan, type CommandRunner } from '../../src/remediation/apply/apply-node.js';
import { HostRoot } from '../../src/remediation/apply/host-fs.js';
import { observeNode } from '../../src/remediation/apply/observe-node.js';
import { HARDEN_NODE_NOTE } from '../../src/remediation/fixed-by-harden-node.js';
import { implausibleStep } from '../../src/remediation/journal-trust.js';
import { openJournalForRun, readJournal } from '../../src/remediation/journal.js';
import { planNode } from '../../src/remediation/node-plan.js';
import type { FileModeStep, NodeTarget } from '../../src/remediation/plan.js';
import { HOST_FIXTURES, type HostFixtureName } from '../fixtures/hosts/index.js';
import { fixtureTrees } from '../support/node-audit.js';
import { runCli } from '../support/run-cli.js';
import { treeState } from '../support/tree-state.js';

const tree = fixtureTrees();
const NOW = new Date('2026-11-27T12:00:00Z');
const journals: string[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) for (const f of [j, `${j}.lock`]) fs.rmSync(f, { force: true });
});

function journalFor(root: string): string {
  const j = `${root}.journal.jsonl`;
  journals.push(j);
  return j;
}

const harden = (root: string, o: Partial<HardenNodeOptions> = {}) =>
  runHardenNode({ hostRoot: root, apply: false, sysctlLoad: 'system', now: NOW, journal: journalFor(root), ...o });

const modeOf = (root: string, p: string) => fs.statSync(path.join(root, p)).mode & 0o7777;
const ownerOf = (root: string, p: string) => {
  const st = fs.statSync(path.join(root, p));
  return `${st.uid}:${st.gid}`;
};

/** The node's failing file-mode and file-owner controls, as `audit node` reports them. */
function failingFileControls(root: string): string[] {
  return auditNode({ hostRoot: root })
    .run.results.filter((r) => r.status === 'fail' && r.evidence.some((e) => /^file\..+\.(mode|owner)$/.test(e.fact)))
    .map((r) => r.controlId)
    .sort();
}

const MANIFESTS = '/var/lib/rancher/rke2/agent/pod-manifests';
const RKE2_DB = '/var/lib/rancher/rke2/server/db/etcd';

describe('harden node: file modes and owners', () => {
  it('RKE2 default server: plans the manifests 600, the CNI file 600, the etcd data directory to the etcd user it adds, and changes nothing', async () => {
    const root = tree('rke2-server-default');
    const before = treeState(root);
    const r = await harden(root);
    expect(r.code).toBe(0);
    expect(treeState(root)).toEqual(before);
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) {
      expect(r.text).toContain(`chmod to at most 600: ${MANIFESTS}/${c}.yaml`);
      expect(r.text).toContain(`-0644 root:root ${MANIFESTS}/${c}.yaml\n+0600 root:root ${MANIFESTS}/${c}.yaml`);
    }
    expect(r.text).toContain('chmod to at most 600: /etc/cni/net.d/10-canal.conflist (cni-files-mode-600)');
    // The group and user are added by the same plan: the new ids name the owner.
    const gid = /add group etcd \(gid (\d+)\)/.exec(r.text)![1];
    expect(r.text).toContain(`chown etcd:etcd: ${RKE2_DB} and 2 files and directories under it (etcd-data-dir-owner-etcd)`);
    expect(r.text).toContain(`+0600 etcd:etcd ${RKE2_DB}/config`);
    expect(gid).toMatch(/^\d+$/);
    // kube-proxy's manifest has no CIS check of its mode: left as it is.
    expect(r.text).not.toContain('kube-proxy.yaml');
    // RKE2 without `profile: cis` writes its manifests 0644 again at the next start: said once.
    expect(r.text.match(/RKE2 writes its static pod manifests again/g)).toHaveLength(1);
    expect(r.text).toContain('(this node: no profile)');
  });

  it('RKE2 default server: --apply makes the audit\'s file checks pass, a second plan is empty, rollback gives every mode and owner back', async () => {
    const root = tree('rke2-server-default');
    expect(failingFileControls(root)).toEqual(['1.1.1', '1.1.12', '1.1.3', '1.1.5', '1.1.7', '1.1.9']);
    const before = treeState(root);
    const r = await harden(root, { apply: true });
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('Verified: a new plan has nothing left to change.');
    expect(failingFileControls(root)).toEqual([]);
    expect(modeOf(root, `${MANIFESTS}/kube-apiserver.yaml`)).toBe(0o600);
    expect(modeOf(root, `${MANIFESTS}/kube-proxy.yaml`)).toBe(0o644);
    const etcd = /add user etcd \(uid (\d+), gid (\d+)/.exec(r.text)!;
    for (const p of [RKE2_DB, `${RKE2_DB}/config`, `${RKE2_DB}/member`]) expect(ownerOf(root, p)).toBe(`${etcd[1]}:${etcd[2]}`);

    const again = await harden(root, { apply: true, journal: journalFor(`${root}-2`) });
    expect(again.text).toContain('Nothing to apply; no journal written.');

    const back = await runRollback(journalFor(root), { force: false, concurrency: 1 });
    expect(back.code, back.text).toBe(0);
    expect(treeState(root)).toEqual(before);
  });

  it('the audit says which fails harden node fixes, and those are exactly the ones it fixes', async () => {
    for (const name of ['rke2-server-default', 'rke1-etcd-controlplane-default'] as const) {
      const root = tree(name);
      const fails = () => auditNode({ hostRoot: root }).run.results.filter((r) => r.status === 'fail');
      const before = fails();
      const noted = before.filter((r) => r.remediation?.endsWith(HARDEN_NODE_NOTE)).map((r) => r.controlId);
      expect(noted.length, name).toBeGreaterThanOrEqual(5); // sysctls, the etcd user and group, files
      // As a live host: `sysctl --system` loads the drop-in, here into the tree's proc/sys.
      const sysctl: CommandRunner = (argv) => {
        expect(argv).toEqual(['sysctl', '--system']);
        for (const [key, value] of Object.entries({ 'vm.overcommit_memory': '1', 'vm.panic_on_oom': '0', 'kernel.panic': '10', 'kernel.panic_on_oops': '1' })) {
          fs.writeFileSync(path.join(root, 'proc/sys', ...key.split('.')), `${value}\n`);
        }
        return { status: 0, stdout: '', stderr: '' };
      };
      const r = await harden(root, { apply: true, live: true, run: sysctl });
      expect(r.code, r.text).toBe(0);
      const after = fails().map((x) => x.controlId);
      expect(after.filter((c) => noted.includes(c)), name).toEqual([]);
      expect(after, name).toEqual(before.map((x) => x.controlId).filter((c) => !noted.includes(c)));
    }
  });

  it('-o json: the plan and the run for a fleet tool (changed, steps, journal, outcomes); a second run changes nothing', async () => {
    const root = tree('rke2-server-default');
    const plan = JSON.parse((await harden(root, { format: 'json' })).text) as HardenNodeJson;
    expect(plan).toMatchObject({ mode: 'plan', changed: false, target: { kind: 'node', distro: 'rke2' } });
    expect(plan.steps.map((s) => s.kind)).toEqual(['write-file', 'append-lines', 'append-lines', 'file-mode', 'file-mode', 'file-mode', 'file-mode', 'file-mode', 'file-mode']);
    expect(plan.steps.find((s) => s.id === 'files:etcd-data-dir-owner-etcd')?.diff).toContain(`+0600 etcd:etcd ${RKE2_DB}/config`);
    const run = await harden(root, { format: 'json', apply: true });
    const applied = JSON.parse(run.text) as HardenNodeJson;
    expect(run.code).toBe(0);
    expect(applied).toMatchObject({ mode: 'apply', changed: true, journal: journalFor(root), remaining: [], blockers: [] });
    expect(applied.outcomes!.map((x) => x.status)).toEqual(Array(9).fill('applied'));
    const again = JSON.parse((await harden(root, { format: 'json', apply: true, journal: journalFor(`${root}-2`) })).text) as HardenNodeJson;
    expect(again).toMatchObject({ mode: 'apply', changed: false, steps: [] });
    expect(again.journal).toBeUndefined();
    expect(fs.existsSync(journalFor(`${root}-2`))).toBe(false);
    // The CLI: -o json on stdout, and only text or json.
    const cli = await runCli(['harden', 'node', '--host-root', root, '-o', 'json']);
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as HardenNodeJson).steps).toEqual([]);
    expect((await runCli(['harden', 'node', '--host-root', root, '-o', 'yaml'])).code).toBe(2);
  });

  it('RKE1 default etcd+controlplane: the etcd data directory goes to 52034:52034 (the ids RKE1\'s guide gives), with the cluster.yml note', async () => {
    const root = tree('rke1-etcd-controlplane-default');
    const r = await harden(root, { apply: true });
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('chown etcd:etcd: /var/lib/etcd');
    expect(r.text).toContain('set services.etcd.uid and services.etcd.gid (52034) in cluster.yml as well');
    expect(ownerOf(root, '/var/lib/etcd')).toBe('52034:52034');
    expect(failingFileControls(root)).toEqual([]);
  });

  it('every node fixture: after --apply the audit fails no file mode or owner control but those whose file a non-root component reads', async () => {
    // RKE1 with services.etcd.uid/gid: etcd runs as 52034 and reads kube-ca.pem, which RKE makes 0644 for it.
    const lockedOut: Partial<Record<HostFixtureName, string[]>> = { 'rke1-etcd-controlplane-hardened': ['1.1.20', '4.1.7'] };
    for (const name of Object.keys(HOST_FIXTURES) as HostFixtureName[]) {
      const root = tree(name);
      const failing = failingFileControls(root);
      const r = await harden(root, { apply: true });
      expect(r.code, `${name}\n${r.text}`).toBe(0);
      expect(/chmod|chown/.test(r.text), name).toBe(failing.some((c) => !lockedOut[name]?.includes(c)));
      expect(failingFileControls(root), name).toEqual(lockedOut[name] ?? []);
    }
  });

  it('a file a component running as another user reads stays readable to it: skipped, named', async () => {
    const root = tree('rke1-etcd-controlplane-hardened');
    const before = treeState(root);
    const r = await harden(root);
    expect(r.text).toContain('/etc/kubernetes/ssl/kube-ca.pem: etcd (pid 2400, uid 52034) reads it (--trusted-ca-file): mode 0600 owner root:root would lock etcd out; left as it is');
    expect(r.text).not.toContain('chmod');
    expect(treeState(root)).toEqual(before);
    // The same node with the CA readable by etcd through its group only: narrowing to 600 would still lock it out.
    const grouped = tree('rke1-etcd-controlplane-hardened', (spec) => {
      spec.files['/etc/kubernetes/ssl/kube-ca.pem'] = { ...(spec.files['/etc/kubernetes/ssl/kube-ca.pem'] as object), mode: 0o640, gid: 52034 };
    });
    expect((await harden(grouped)).text).toContain('would lock etcd out');
    // etcd running as root reads anything: the CA is narrowed.
    const asRoot = tree('rke1-etcd-controlplane-hardened', (spec) => {
      spec.processes.find((p) => p.pid === 2400)!.uid = 0;
    });
    const r3 = await harden(asRoot);
    expect(r3.text).not.toContain('would lock');
    expect(r3.text).toContain('chmod to at most 600: /etc/kubernetes/ssl/kube-ca.pem');
  });

  it('a file two facts cover is changed once, in one step naming both checks', async () => {
    // RKE1 etcd+controlplane: kube-ca.pem is one of the PKI certificates (1.1.20) and the kubelet's client CA (4.1.7).
    const root = tree('rke1-etcd-controlplane-default', (spec) => {
      (spec.files['/etc/kubernetes/ssl/kube-ca.pem'] as { mode?: number }).mode = 0o666;
    });
    const r = await harden(root);
    expect(r.text).toContain('chmod to at most 600: /etc/kubernetes/ssl/kube-ca.pem (pki-certs-mode-600, kubelet-ca-mode-600)');
    expect(r.text.match(/^-0666 root:root \/etc\/kubernetes\/ssl\/kube-ca\.pem$/gm)).toHaveLength(1);
    // Files of one check in several directories are named by their directories.
    expect(r.text).toContain('chmod to at most 600: 3 files in /etc/cni/net.d, /var/lib/cni/networks/k8s-pod-network (cni-files-mode-600)');
  });

  it('a kubeconfig behind a symbolic link: its target is narrowed, the link left alone', async () => {
    const root = tree('rke1-worker-default', (spec) => {
      const real = '/etc/kubernetes/ssl/real/kubecfg-kube-node.yaml';
      spec.files[real] = { content: (spec.files['/etc/kubernetes/ssl/kubecfg-kube-node.yaml'] as { content: string }).content, mode: 0o666 };
      spec.files['/etc/kubernetes/ssl/kubecfg-kube-node.yaml'] = { symlink: real };
    });
    const r = await harden(root, { apply: true });
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('chmod to at most 600: /etc/kubernetes/ssl/real/kubecfg-kube-node.yaml (kubelet-kubeconfig-mode-600)');
    expect(modeOf(root, '/etc/kubernetes/ssl/real/kubecfg-kube-node.yaml')).toBe(0o600);
    expect(fs.lstatSync(path.join(root, '/etc/kubernetes/ssl/kubecfg-kube-node.yaml')).isSymbolicLink()).toBe(true);
  });

  it('a file a flag names outside the places harden node changes is skipped, named', async () => {
    const root = tree('rke1-worker-default', (spec) => {
      spec.files['/root/kubelet.conf'] = { content: (spec.files['/etc/kubernetes/ssl/kubecfg-kube-node.yaml'] as { content: string }).content, mode: 0o644 };
      const kubelet = spec.processes.find((p) => p.argv[0] === 'kubelet')!;
      kubelet.argv = kubelet.argv.map((a) => (a.startsWith('--kubeconfig=') ? '--kubeconfig=/root/kubelet.conf' : a));
    });
    const r = await harden(root);
    expect(r.text).toContain('/root/kubelet.conf: outside the directories harden node changes');
    expect(r.text).not.toContain('chmod to at most 600: /root');
  });

  it('a file with a setuid, setgid or sticky bit is left for a person, named', async () => {
    const root = tree('rke2-server-default');
    fs.chmodSync(path.join(root, '/etc/cni/net.d/10-canal.conflist'), 0o4644); // after the tree's chown, which clears it
    const r = await harden(root, { apply: true });
    expect(r.text).toContain('/etc/cni/net.d/10-canal.conflist: has a setuid, setgid or sticky bit (mode 4644): change it by hand');
    expect(modeOf(root, '/etc/cni/net.d/10-canal.conflist')).toBe(0o4644);
    // Skipped, not a blocker: the rest is applied, and the audit still shows the control failing.
    expect(r.code).toBe(0);
    expect(failingFileControls(root)).toEqual(['1.1.9']);
  });

  it('--only and a host without a readable version: no file step, said why', async () => {
    const root = tree('rke2-server-default');
    const r = await harden(root, { only: ['sysctl,etcd-user'] });
    expect(r.text).not.toMatch(/chmod|chown/);
    expect(r.text).not.toContain('file modes and owners');
    const filesOnly = await harden(root, { only: ['files'] });
    expect(filesOnly.text).toMatch(/chmod/);
    expect(filesOnly.text).not.toMatch(/sysctl\.d|add (user|group) etcd/);
    // Without the etcd user this run would add, the data directory's owner cannot be named: said, not guessed.
    expect(filesOnly.text).toContain('etcd-data-dir (etcd-data-dir-owner-etcd): no user etcd on the host: ownership left as it is');
    await expect(harden(root, { only: ['files,accounts'] })).rejects.toThrow(/--only accounts: not a part of harden node \(one or more of sysctl, etcd-user, files\)/);
    const bare = tree('rke2-server-default', (spec) => {
      spec.processes = [];
      for (const p of Object.keys(spec.files)) if (p.startsWith('/var/lib/rancher/rke2/data/') || p.startsWith(MANIFESTS)) delete spec.files[p];
    });
    const r2 = await harden(bare);
    expect(r2.text).toContain("file modes and owners: cannot tell the node's Kubernetes version");
    const r3 = await harden(bare, { k8sVersion: 'v1.31.4+rke2r1' });
    expect(r3.text).toContain('chown etcd:etcd');
  });

  it('a file changed between plan and apply: nothing is changed, the step fails naming it', async () => {
    const root = tree('rke2-server-default');
    const host = new HostRoot(root);
    const target: NodeTarget = { kind: 'node', hostRoot: host.root, distro: 'rke2', live: false };
    const plan = planNode(observeNode(host, target, { files: true }, NOW), { sysctlLoad: 'system' });
    const step = plan.steps.find((s): s is FileModeStep => s.kind === 'file-mode' && s.checks.includes('etcd-data-dir-owner-etcd'))!;
    fs.chmodSync(path.join(root, `${RKE2_DB}/config`), 0o640);
    const before = treeState(root);
    const { writer } = await openJournalForRun(journalFor(root), target);
    const got = await applyNodePlan(host, { ...plan, steps: [step] }, writer, { run: () => ({ status: 0, stdout: '', stderr: '' }) });
    await writer.close();
    expect(got.outcomes).toEqual([expect.objectContaining({ status: 'failed', error: expect.stringContaining(`${RKE2_DB}/config changed since it was read`) })]);
    expect(treeState(root)).toEqual(before);
  });

  it('rollback leaves a file someone changed since, as a conflict; --force gives it back', async () => {
    const root = tree('rke2-server-default');
    const before = treeState(root);
    await harden(root, { apply: true });
    fs.chmodSync(path.join(root, `${MANIFESTS}/kube-scheduler.yaml`), 0o400);
    const back = await runRollback(journalFor(root), { force: false, concurrency: 1 });
    expect(back.code).toBe(1);
    expect(back.text).toContain(`${MANIFESTS}/kube-scheduler.yaml has mode 400`);
    expect(modeOf(root, `${MANIFESTS}/kube-scheduler.yaml`)).toBe(0o400);
    const forced = await runRollback(journalFor(root), { force: true, concurrency: 1 });
    expect(forced.code, forced.text).toBe(0);
    expect(treeState(root)).toEqual(before);
  });

  it('rollback: a file removed since (RKE wrote its certificates anew) is nothing to give back; a link in its place is a conflict', async () => {
    const root = tree('rke2-server-default');
    await harden(root, { apply: true });
    fs.rmSync(path.join(root, `${MANIFESTS}/kube-scheduler.yaml`));
    fs.rmSync(path.join(root, `${MANIFESTS}/etcd.yaml`));
    fs.symlinkSync('kube-apiserver.yaml', path.join(root, `${MANIFESTS}/etcd.yaml`));
    const back = await runRollback(journalFor(root), { force: false, concurrency: 1 });
    expect(back.code).toBe(1);
    expect(back.text).toContain(`${MANIFESTS}/etcd.yaml is a symbolic link now`);
    expect(back.text).not.toContain('kube-scheduler.yaml is');
    expect(modeOf(root, `${MANIFESTS}/kube-controller-manager.yaml`)).toBe(0o644);
    fs.rmSync(path.join(root, `${MANIFESTS}/etcd.yaml`));
    const again = await runRollback(journalFor(root), { force: false, concurrency: 1 });
    expect(again.code, again.text).toBe(0);
  });

  it('a journal whose mode step names another file, adds bits or a setuid bit is not trusted', async () => {
    const root = tree('rke2-server-default');
    await harden(root, { apply: true });
    const step = readJournal(journalFor(root)).entries.map((e) => e.step).find((s): s is FileModeStep => s.kind === 'file-mode')!;
    expect(implausibleStep(step)).toBeUndefined();
    const entry = step.entries[0]!;
    expect(implausibleStep({ ...step, entries: [{ ...entry, path: '/etc/shadow' }] })).toMatch(/outside the directories harden node changes/);
    expect(implausibleStep({ ...step, entries: [{ ...entry, path: '/var/lib/rancher/../../etc/shadow' }] })).toMatch(/outside/);
    expect(implausibleStep({ ...step, entries: [{ ...entry, set: { ...entry.set, mode: 0o777 } }] })).toMatch(/adds permission bits/);
    expect(implausibleStep({ ...step, entries: [{ ...entry, prior: { ...entry.prior, mode: 0o4755 } }] })).toMatch(/setuid/);
  });
});
