// `harden cluster` and `rollback` on a real kube-apiserver + etcd + kube-controller-manager:
// server-side dry run, apply, idempotent rerun, exact rollback, and a run killed with SIGKILL
// mid-apply that is rerun and rolled back with nothing lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadKubeConfig } from '../../src/collectors/cluster/load-kube-config.js';
import { resolveNamespaceExemptions } from '../../src/collectors/cluster/namespace-exemptions.js';
import { applyClusterPlan } from '../../src/remediation/apply/apply-cluster.js';
import { KubeClient } from '../../src/remediation/apply/kube-client.js';
import { connect, observeCluster } from '../../src/remediation/apply/observe-cluster.js';
import { planCluster, type ClusterPlanOptions } from '../../src/remediation/cluster-plan.js';
import { openJournalForRun, readJournal } from '../../src/remediation/journal.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { findControlPlaneBinaries } from '../support/controlplane-bin.js';
import { runCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait.js';
import { writeTokenKubeconfig } from '../support/token-kubeconfig.js';
import type { HardenRunJson } from '../../src/cli/harden-json.js';

findControlPlaneBinaries();

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const AUDIT_POLICY = [
  'apiVersion: audit.k8s.io/v1',
  'kind: Policy',
  'omitStages: [RequestReceived]',
  'rules:',
  '  - level: Metadata',
  '    verbs: [patch, delete, create, update]',
  '    userGroups: ["system:masters"]',
  '  - level: None',
  '',
].join('\n');

type Obj = { metadata: Record<string, unknown> & { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

const within = (ms: number) => ({ deadline: Date.now() + ms });
const PSA = 'pod-security.kubernetes.io/';

let cp: ControlPlane;
let work: string;
let exempt: string[];
const children: ChildProcess[] = [];

async function api<T = Obj>(method: string, path: string, body?: object, contentType = 'application/json'): Promise<T> {
  const r = await cp.request(method, path, body, body ? { 'content-type': contentType } : {});
  expect(r.status, `${method} ${path}: ${r.body}`).toBeLessThan(300);
  return r.json<T>();
}

async function createNamespaces(names: string[], labels: Record<string, string> = {}): Promise<void> {
  await Promise.all(names.map((name) => api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } })));
  await waitFor(
    'default ServiceAccounts',
    async () => {
      const sas = await api<{ items: Obj[] }>('GET', '/api/v1/serviceaccounts?fieldSelector=metadata.name%3Ddefault');
      const have = new Set(sas.items.map((s) => s.metadata.namespace));
      return names.every((n) => have.has(n)) ? true : undefined;
    },
    within(60_000),
  );
}

/** Namespaces, ServiceAccounts and NetworkPolicies, without resourceVersion and managedFields: what must be restored exactly. */
async function clusterState(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [kind, path] of [
    ['Namespace', '/api/v1/namespaces'],
    ['ServiceAccount', '/api/v1/serviceaccounts'],
    ['NetworkPolicy', '/apis/networking.k8s.io/v1/networkpolicies'],
  ] as const) {
    const list = await api<{ items: Obj[] }>('GET', path);
    for (const o of list.items) {
      const { resourceVersion: _r, managedFields: _m, ...metadata } = o.metadata;
      out[`${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`] = { ...o, metadata };
    }
  }
  return out;
}

const journalPath = (name: string) => join(work, `${name}.journal.jsonl`);

function cliArgs(journal: string, ...extra: string[]): string[] {
  return ['harden', 'cluster', '--kubeconfig', cp.kubeconfigPath, '--exemptions', 'rke2', '--exclude-namespace', 'e2e-excluded', '--exempt-namespace', 'e2e-exempt', '--journal', journal, ...extra];
}

/** The CLI as a child process (tsx, no build needed): `node --import tsx -e 'main(argv)'`. */
function spawnCli(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const entry = pathToFileURL(join(REPO, 'src/cli/main.ts')).href;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main } from ${JSON.stringify(entry)}; process.exitCode = await main(process.argv.slice(1));`, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const countDone = (file: string): number => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{"type":"done"')).length : 0);

/** Start `harden cluster --apply --concurrency 1` and SIGKILL it once the journal shows `k` finished writes. */
async function applyAndKill(journal: string, k: number): Promise<void> {
  const { child, done } = spawnCli(cliArgs(journal, '--apply', '--concurrency', '1'));
  let exited = false;
  void done.then(() => (exited = true));
  await waitFor('journal with finished writes', async () => (exited || countDone(journal) >= k ? true : undefined), { deadline: Date.now() + 120_000, intervalMs: 2 });
  child.kill('SIGKILL');
  const r = await done;
  expect(r.signal, `the run ended before it was killed: ${r.stdout}${r.stderr}`).toBe('SIGKILL');
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rke-harden-e2e-harden-'));
  cp = await startControlPlane({
    files: { 'audit-policy.yaml': AUDIT_POLICY },
    extraApiServerArgs: ['--audit-policy-file={{dir}}/audit-policy.yaml', '--audit-log-path={{dir}}/audit.log'],
  });
  exempt = Object.keys(resolveNamespaceExemptions(['rke2'], cp.version.gitVersion));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await cp?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('harden cluster on a real control plane', () => {
  let seeded: Record<string, unknown>;
  // `constructor` is a name like any other (it was taken for exempt: a lookup reached Object's prototype).
  const plain = ['e2e-a', 'e2e-b', 'e2e-c', 'constructor'];

  beforeAll(async () => {
    expect(exempt).toContain('kube-system');
    expect(exempt).toContain('tigera-operator');
    await createNamespaces([...plain, 'e2e-with-np', 'e2e-baseline', 'e2e-sa-true', 'e2e-excluded', 'e2e-exempt', 'tigera-operator']);
    await api('PATCH', '/api/v1/namespaces/e2e-baseline', { metadata: { labels: { [`${PSA}enforce`]: 'baseline' } } }, 'application/merge-patch+json');
    await api('PATCH', '/api/v1/namespaces/e2e-sa-true/serviceaccounts/default', { automountServiceAccountToken: true }, 'application/merge-patch+json');
    await api('POST', '/apis/networking.k8s.io/v1/namespaces/e2e-with-np/networkpolicies', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'theirs' },
      spec: { podSelector: {}, policyTypes: ['Egress'] },
    });
    // A pod the restricted level forbids: the dry run must bring Pod Security's warning back.
    await api('POST', '/api/v1/namespaces/e2e-c/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged' },
      spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', securityContext: { privileged: true } }] },
    });
    seeded = await clusterState();
  });

  it('dry run (default): the server sees dryRun=All for every change, nothing changes, the diff is printed', async () => {
    const r = await runCli(cliArgs(journalPath('dry')));
    expect(r.code, r.stderr).toBe(0);
    expect(await clusterState()).toEqual(seeded);
    expect(existsSync(journalPath('dry'))).toBe(false);
    expect(r.stdout).toContain('Dry run (server-side, dryRun=All): nothing was changed');
    expect(r.stdout).toContain('+automountServiceAccountToken: false');
    expect(r.stdout).toContain('-automountServiceAccountToken: true');
    expect(r.stdout).toContain('+++ NetworkPolicy/e2e-a/rke-harden-allow-same-namespace');
    expect(r.stdout).toContain(`+    ${PSA}enforce: restricted`);
    // Exempt and excluded namespaces are reported, not changed.
    expect(r.stdout).toMatch(/namespace\/kube-system: exempt: /);
    expect(r.stdout).toMatch(/namespace\/tigera-operator: exempt: /);
    expect(r.stdout).toContain('namespace/e2e-excluded: excluded (--exclude-namespace)');
    // The flag audit cluster takes: the same namespace left alone by both.
    expect(r.stdout).toContain('namespace/e2e-exempt: exempt: --exempt-namespace');
    expect(r.stdout).toContain('namespace e2e-baseline already enforces Pod Security "baseline"');
    expect(r.stdout).toMatch(/e2e-c: existing pods in namespace "e2e-c" violate the new PodSecurity enforce level "restricted:latest"/);
    // The audit log: every write by rke-harden so far was a dry run, one per planned change.
    const planned = Number(/^(\d+) changes:/m.exec(r.stdout)?.[1]);
    expect(planned).toBeGreaterThan(10);
    const events = await waitFor(
      'audit events of the dry run',
      async () => {
        const lines = existsSync(join(cp.dir, 'audit.log')) ? readFileSync(join(cp.dir, 'audit.log'), 'utf8').trim().split('\n') : [];
        const ours = lines.map((l) => JSON.parse(l) as { verb: string; requestURI: string }).filter((e) => e.requestURI.includes('fieldManager=rke-harden'));
        return ours.length >= planned ? ours : undefined;
      },
      within(20_000),
    );
    expect(events).toHaveLength(planned);
    for (const e of events) {
      // A new object is created (POST), an existing one merge-patched: neither can take a field away.
      expect(e.verb).toBe(e.requestURI.includes('/networkpolicies') ? 'create' : 'patch');
      expect(e.requestURI).toContain('dryRun=All');
      expect(e.requestURI).not.toContain('force=true');
    }
  });

  it('--apply: every non-exempt namespace gets automount false, a NetworkPolicy and PSA labels; exempt ones are untouched', async () => {
    const r = await runCli(cliArgs(journalPath('apply'), '--apply'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Verified: a new plan has nothing left to change.');
    const state = await clusterState();
    const namespaces = Object.keys(state).filter((k) => k.startsWith('Namespace/')).map((k) => k.split('/')[2]!);
    const untouched = [...exempt, 'e2e-excluded', 'e2e-exempt'];
    for (const ns of namespaces) {
      const sa = state[`ServiceAccount/${ns}/default`] as Obj;
      const nsObj = state[`Namespace//${ns}`] as Obj;
      const nps = Object.keys(state).filter((k) => k.startsWith(`NetworkPolicy/${ns}/`));
      if (untouched.includes(ns)) {
        expect(state[`Namespace//${ns}`], ns).toEqual(seeded[`Namespace//${ns}`]);
        if (sa) expect(sa, ns).toEqual(seeded[`ServiceAccount/${ns}/default`]);
        expect(nps, ns).toEqual(Object.keys(seeded).filter((k) => k.startsWith(`NetworkPolicy/${ns}/`)));
        continue;
      }
      expect(sa.automountServiceAccountToken, ns).toBe(false);
      expect(nps.length, ns).toBeGreaterThan(0);
      const labels = nsObj.metadata.labels!;
      expect(labels[`${PSA}audit`], ns).toBe('restricted');
      expect(labels[`${PSA}warn`], ns).toBe('restricted');
      expect(labels[`${PSA}enforce`], ns).toBe(ns === 'e2e-baseline' ? 'baseline' : 'restricted');
    }
    // A namespace that had a policy got none of ours.
    expect(Object.keys(state).filter((k) => k.startsWith('NetworkPolicy/e2e-with-np/'))).toEqual(['NetworkPolicy/e2e-with-np/theirs']);
    // Written by field manager rke-harden, an update of our labels only (the default ServiceAccounts the
    // controller creates carry no managedFields, and an update does not start them).
    const ns = await api('GET', '/api/v1/namespaces/e2e-a');
    const ours = (ns.metadata.managedFields as { manager: string; operation: string; fieldsV1: { 'f:metadata': { 'f:labels': object } } }[]).filter((m) => m.manager === 'rke-harden');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.operation).toBe('Update');
    expect(Object.keys(ours[0]!.fieldsV1['f:metadata']['f:labels']).sort()).toEqual(['enforce', 'enforce-version', 'audit', 'audit-version', 'warn', 'warn-version'].map((k) => `f:${PSA}${k}`).sort());
    // A pod created before its ServiceAccount said false keeps its token: audit cluster still fails 5.1.6 for it.
    const audit = await runCli(['audit', 'cluster', '--kubeconfig', cp.kubeconfigPath, '--distro', 'rke2', '-o', 'json', '--fail-on', 'never']);
    const tokens = (JSON.parse(audit.stdout) as { results: { controlId: string; status: string; evidence: unknown[] }[] }).results.find((x) => x.controlId === '5.1.6')!;
    expect(tokens.status).toBe('fail');
    expect(JSON.stringify(tokens.evidence)).toContain('e2e-c/privileged (ServiceAccount default): created before the ServiceAccount said false, keeps its token until recreated');
    // The journal recorded each prior state before its write, and every write finished.
    const j = readJournal(journalPath('apply'));
    expect(j.interrupted).toBe(false);
    expect(j.entries.every((e) => e.status === 'done')).toBe(true);
    const saStep = j.entries.find((e) => e.step.id === 'serviceaccounts/e2e-sa-true/default')!.step;
    expect(saStep.kind === 'kube-apply' && saStep.prior.exists && saStep.prior.object.automountServiceAccountToken).toBe(true);
  });

  it('a rerun has nothing to do (dry run and apply)', async () => {
    const dry = await runCli(cliArgs(journalPath('rerun-dry')));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Nothing to change.');
    const again = await runCli(cliArgs(journalPath('rerun'), '--apply'));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to apply; no journal written.');
    expect(existsSync(journalPath('rerun'))).toBe(false);
  });

  it('rollback restores the seeded state exactly; a second rollback is a no-op', async () => {
    const r = await runCli(['rollback', journalPath('apply'), '--kubeconfig', cp.kubeconfigPath]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Reverted (\d+) of \1 changes/);
    expect(await clusterState()).toEqual(seeded);
    // Our field manager is gone from the objects too.
    const sa = await api('GET', '/api/v1/namespaces/e2e-a/serviceaccounts/default');
    expect(JSON.stringify(sa.metadata.managedFields ?? [])).not.toContain('"rke-harden"');
    const twice = await runCli(['rollback', journalPath('apply'), '--kubeconfig', cp.kubeconfigPath]);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('Rolled back already: nothing to do.');
    expect(await clusterState()).toEqual(seeded);
  });

  it('rollback leaves alone a field someone changed after the apply (conflict, exit 1) unless --force', async () => {
    const file = journalPath('conflict');
    expect((await runCli(cliArgs(file, '--apply'))).code).toBe(0);
    await api('PATCH', '/api/v1/namespaces/e2e-b', { metadata: { labels: { [`${PSA}warn`]: 'baseline' } } }, 'application/merge-patch+json');
    const r = await runCli(['rollback', file, '--kubeconfig', cp.kubeconfigPath]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('CONFLICT  Namespace e2e-b');
    expect((await api('GET', '/api/v1/namespaces/e2e-b')).metadata.labels![`${PSA}warn`]).toBe('baseline');
    const forced = await runCli(['rollback', file, '--kubeconfig', cp.kubeconfigPath, '--force']);
    expect(forced.code, forced.stdout).toBe(0);
    expect(await clusterState()).toEqual(seeded);
  });

  it('a rollback against another server is refused', async () => {
    const file = journalPath('apply');
    const other = join(work, 'other.kubeconfig');
    const text = readFileSync(cp.kubeconfigPath, 'utf8').replace(cp.server, 'https://127.0.0.1:1');
    writeFileSync(other, text);
    const r = await runCli(['rollback', file, '--kubeconfig', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`records changes to cluster [0-9a-f-]{36} \\(kube-system uid\\) at ${cp.server.replace(/[.]/g, '\\.')}, but the kubeconfig points at https://127\\.0\\.0\\.1:1 `));
  });
});

describe('harden cluster leaves what others own alone', () => {
  const kubeconfig = () => ['--kubeconfig', cp.kubeconfigPath];
  const only = (ns: string[]) => ['--exemptions', 'none', ...(allNamespaces ?? []).filter((n) => !ns.includes(n)).flatMap((n) => ['--exclude-namespace', n])];
  let allNamespaces: string[] | undefined;
  const refreshNamespaces = async () => {
    allNamespaces = (await api<{ items: Obj[] }>('GET', '/api/v1/namespaces')).items.map((n) => n.metadata.name);
  };
  const harden = (file: string, ns: string[]) => runCli(['harden', 'cluster', ...kubeconfig(), ...only(ns), '--journal', file, '--apply']);
  const labelsOf = async (ns: string) => (await api('GET', `/api/v1/namespaces/${ns}`)).metadata.labels ?? {};

  it('a rerun after someone removed one of our labels adds it back and takes nothing away; its rollback removes only what it added', async () => {
    await createNamespaces(['e2e-relabel']);
    await refreshNamespaces();
    expect((await harden(journalPath('relabel-1'), ['e2e-relabel'])).code).toBe(0);
    await api('PATCH', '/api/v1/namespaces/e2e-relabel', { metadata: { labels: { [`${PSA}warn`]: null, [`${PSA}warn-version`]: null } } }, 'application/merge-patch+json');
    const again = await harden(journalPath('relabel-2'), ['e2e-relabel']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('Verified: a new plan has nothing left to change.');
    const labels = await labelsOf('e2e-relabel');
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(labels[`${PSA}${mode}`], mode).toBe('restricted');
      expect(labels[`${PSA}${mode}-version`], mode).toBe('latest');
    }
    // A third run has nothing to do (it settles).
    expect((await runCli(['harden', 'cluster', ...kubeconfig(), ...only(['e2e-relabel']), '--journal', journalPath('relabel-3'), '--apply'])).stdout).toContain('Nothing to apply');
    const back = await runCli(['rollback', journalPath('relabel-2'), ...kubeconfig()]);
    expect(back.code, back.stdout).toBe(0);
    const after = await labelsOf('e2e-relabel');
    expect(after[`${PSA}warn`]).toBeUndefined();
    expect(after[`${PSA}enforce`]).toBe('restricted');
    expect(after[`${PSA}audit`]).toBe('restricted');
  });

  it('--print-journal (the chart\'s Job, whose files are thrown away): rollback from the saved log, through another URL of the same cluster', async () => {
    await createNamespaces(['e2e-printed']);
    await refreshNamespaces();
    const file = journalPath('printed');
    const r = await runCli(['harden', 'cluster', ...kubeconfig(), ...only(['e2e-printed']), '--journal', file, '--apply', '--print-journal']);
    expect(r.code, r.stdout).toBe(0);
    const uid = (await api('GET', '/api/v1/namespaces/kube-system')).metadata.uid as string;
    expect(r.stdout).toMatch(new RegExp(`\\n-----BEGIN RKE-HARDEN JOURNAL-----\\n\\{"type":"journal",[^\\n]*"clusterUid":"${uid}"[^]*\\n-----END RKE-HARDEN JOURNAL-----\\n$`));
    // The pod is gone with its files; its log was saved (`kubectl logs job/… > remediate.log`).
    rmSync(file);
    const log = join(work, 'remediate.log');
    writeFileSync(log, r.stdout);
    // The same cluster at another URL (localhost instead of 127.0.0.1): its kube-system uid says so.
    const elsewhere = join(work, 'localhost.kubeconfig');
    writeFileSync(elsewhere, readFileSync(cp.kubeconfigPath, 'utf8').replace(cp.server, cp.server.replace('127.0.0.1', 'localhost')));
    const back = await runCli(['rollback', log, '--kubeconfig', elsewhere]);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(back.stdout).toContain(`Journal: the journal in ${log}, extracted to ${log}.journal.jsonl`);
    expect((await labelsOf('e2e-printed'))[`${PSA}enforce`]).toBeUndefined();
    expect(readFileSync(log, 'utf8')).toBe(r.stdout); // the log is never written
    const again = await runCli(['rollback', log, '--kubeconfig', elsewhere]);
    expect(again.stdout).toContain('Rolled back already');
  });

  it('rollback leaves in place a NetworkPolicy rke-harden created that someone changed since (conflict) unless --force; an object deleted since is nothing to undo', async () => {
    await createNamespaces(['e2e-np-edit', 'e2e-gone']);
    await refreshNamespaces();
    const file = journalPath('np-edit');
    expect((await harden(file, ['e2e-np-edit', 'e2e-gone'])).code).toBe(0);
    const np = '/apis/networking.k8s.io/v1/namespaces/e2e-np-edit/networkpolicies/rke-harden-allow-same-namespace';
    const theirs = [{ from: [{ podSelector: {} }] }, { from: [{ namespaceSelector: { matchLabels: { team: 'monitoring' } } }], ports: [{ port: 9090, protocol: 'TCP' }] }];
    await api('PATCH', np, { spec: { ingress: theirs } }, 'application/merge-patch+json');
    await api('DELETE', '/api/v1/namespaces/e2e-gone');
    await waitFor('e2e-gone deleted', async () => ((await cp.request('GET', '/api/v1/namespaces/e2e-gone')).status === 404 ? true : undefined), within(60_000));
    const r = await runCli(['rollback', file, ...kubeconfig()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CONFLICT {2}NetworkPolicy e2e-np-edit\/rke-harden-allow-same-namespace: .*spec changed since rke-harden created it; left in place \(--force deletes it\)/);
    expect(r.stdout).toMatch(/absent +Namespace e2e-gone.*\(deleted since: the change went with it\)/);
    expect(r.stdout).not.toMatch(/CONFLICT .*e2e-gone/);
    expect(((await api(`GET`, np)) as { spec: { ingress: unknown[] } }).spec.ingress).toEqual(theirs);
    const forced = await runCli(['rollback', file, ...kubeconfig(), '--force']);
    expect(forced.code, forced.stdout).toBe(0);
    expect((await cp.request('GET', np)).status).toBe(404);
  });

  it('between the plan and the write: a namespace deleted is not recreated, a NetworkPolicy name someone took is not overwritten', async () => {
    await createNamespaces(['e2e-race-gone', 'e2e-race-np']);
    const { kc } = await loadKubeConfig({ kubeconfig: cp.kubeconfigPath });
    const conn = await connect(kc);
    const planOptions: ClusterPlanOptions = { networkPolicy: 'allow-same-namespace', psaLevel: 'restricted', psaVersion: 'latest', exemptions: {}, exclude: [] };
    const plan = planCluster(await observeCluster(conn), planOptions);
    plan.steps = plan.steps.filter((s) => ['e2e-race-gone', 'e2e-race-np'].includes(s.ref.namespace ?? s.ref.name));
    expect(plan.steps.length).toBe(6);
    await api('DELETE', '/api/v1/namespaces/e2e-race-gone');
    await waitFor('e2e-race-gone deleted', async () => ((await cp.request('GET', '/api/v1/namespaces/e2e-race-gone')).status === 404 ? true : undefined), within(60_000));
    const userSpec = { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'web' } } }] }], policyTypes: ['Ingress'] };
    await api('POST', '/apis/networking.k8s.io/v1/namespaces/e2e-race-np/networkpolicies', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'rke-harden-allow-same-namespace', labels: { owner: 'user' } }, spec: userSpec });
    const client = new KubeClient(kc, { maxSockets: 2 });
    const { writer } = await openJournalForRun(journalPath('race'), conn.target);
    let outcomes;
    try {
      outcomes = await applyClusterPlan(client, plan, { dryRun: false, concurrency: 1, journal: writer, planOptions });
    } finally {
      await writer.close();
      client.close();
    }
    const byId = new Map(outcomes.map((o) => [o.step.id, o]));
    expect(byId.get('namespaces/e2e-race-gone')).toMatchObject({ status: 'failed', error: 'namespaces/e2e-race-gone was deleted meanwhile: not recreated' });
    expect(byId.get('networkpolicies/e2e-race-np/rke-harden-allow-same-namespace')).toMatchObject({ status: 'failed', error: expect.stringMatching(/exists already: created by someone else since the plan; left alone/) });
    expect(byId.get('namespaces/e2e-race-np')?.status).toBe('applied');
    expect((await cp.request('GET', '/api/v1/namespaces/e2e-race-gone')).status).toBe(404);
    const np = await api<{ metadata: { labels: Record<string, string> }; spec: unknown }>('GET', '/apis/networking.k8s.io/v1/namespaces/e2e-race-np/networkpolicies/rke-harden-allow-same-namespace');
    expect(np.spec).toEqual(userSpec);
    expect(np.metadata.labels).toEqual({ owner: 'user' });
    // Its rollback takes back what was written and leaves the user's policy.
    const r = await runCli(['rollback', journalPath('race'), ...kubeconfig()]);
    expect(r.code, r.stdout).toBe(0);
    expect((await api<{ spec: unknown }>('GET', '/apis/networking.k8s.io/v1/namespaces/e2e-race-np/networkpolicies/rke-harden-allow-same-namespace')).spec).toEqual(userSpec);
  });
  it('-o json: the dry run and the run as one object for fleet tools (changed, the server\'s diffs, journal, outcomes)', async () => {
    await createNamespaces(['e2e-json']);
    const args = ['harden', 'cluster', ...kubeconfig(), '--exemptions', 'rke2', '-o', 'json'];
    const dry = await runCli(args);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as HardenRunJson;
    expect(planned).toMatchObject({ mode: 'dry-run', changed: false, target: { kind: 'cluster' }, blockers: [] });
    const mine = planned.steps.filter((x) => x.id.includes('e2e-json'));
    expect(mine.map((x) => x.id).sort()).toEqual(['namespaces/e2e-json', 'networkpolicies/e2e-json/rke-harden-allow-same-namespace', 'serviceaccounts/e2e-json/default']);
    for (const x of mine) expect(x.diff, x.id).toMatch(/^--- /);
    expect(planned.outcomes!.every((x) => x.status !== 'failed')).toBe(true);
    const file = journalPath('json');
    const applied = await runCli([...args, '--apply', '--journal', file]);
    expect(applied.code, applied.stderr).toBe(0);
    const run = JSON.parse(applied.stdout) as HardenRunJson;
    expect(run).toMatchObject({ mode: 'apply', changed: true, journal: file, remaining: [] });
    expect(run.outcomes!.filter((x) => x.id.includes('e2e-json')).map((x) => x.status)).toEqual(['applied', 'applied', 'applied']);
    expect((await runCli([...args, '--apply', '--print-journal'])).code).toBe(2);
    const back = await runCli(['rollback', file, ...kubeconfig()]);
    expect(back.code, back.stdout).toBe(0);
  });
});

describe('harden cluster as the chart\'s remediation Job: its RBAC is enough, and no more is granted', () => {
  it('--apply with a token of the chart\'s remediate ServiceAccount changes what it must and is refused what it never does', async () => {
    const objects = parseAllDocuments(readFileSync(join(REPO, 'deploy/rendered/remediation.yaml'), 'utf8'))
      .map((d) => d.toJS() as Obj & { kind: string; apiVersion: string })
      .filter((o) => o && ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind) && o.metadata.name.includes('remediate'));
    expect(objects.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']);
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
    const ns = sa.metadata.namespace!;
    if ((await cp.request('GET', `/api/v1/namespaces/${ns}`)).status === 404) await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const o of objects) {
      const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
      const plural = { ServiceAccount: 'serviceaccounts', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings' }[o.kind]!;
      await api('POST', `${base}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${plural}`, o);
    }
    const token = (await api<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa.metadata.name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } })).status.token;
    const kubeconfig = writeTokenKubeconfig(join(work, 'remediate.kubeconfig'), cp.server, cp.pki.ca.cert, token);

    await createNamespaces(['e2e-rbac']);
    const others = (await api<{ items: Obj[] }>('GET', '/api/v1/namespaces')).items.map((n) => n.metadata.name).filter((n) => n !== 'e2e-rbac');
    const r = await runCli(['harden', 'cluster', '--kubeconfig', kubeconfig, '--exemptions', 'none', ...others.flatMap((n) => ['--exclude-namespace', n]), '--journal', journalPath('rbac'), '--apply']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Verified: a new plan has nothing left to change.');
    expect((await api('GET', '/api/v1/namespaces/e2e-rbac')).metadata.labels?.[`${PSA}enforce`]).toBe('restricted');
    expect((await api<{ automountServiceAccountToken?: boolean }>('GET', '/api/v1/namespaces/e2e-rbac/serviceaccounts/default')).automountServiceAccountToken).toBe(false);
    // No more than that: another ServiceAccount, or a NetworkPolicy once made, cannot be patched with it.
    const as = async (method: string, path: string, body: object) => (await fetchAs(token, method, path, body)).status;
    await api('POST', '/api/v1/namespaces/e2e-rbac/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' } });
    expect(await as('PATCH', '/api/v1/namespaces/e2e-rbac/serviceaccounts/app', { automountServiceAccountToken: true })).toBe(403);
    expect(await as('PATCH', '/apis/networking.k8s.io/v1/namespaces/e2e-rbac/networkpolicies/rke-harden-allow-same-namespace', { spec: { ingress: [{}] } })).toBe(403);
  });
});

/** A request with a bearer token (another identity than the admin's), trusting the control plane's CA. */
async function fetchAs(token: string, method: string, path: string, body: object): Promise<{ status: number }> {
  const { request } = await import('node:https');
  return new Promise((res, rej) => {
    const req = request(new URL(path, cp.server), { method, ca: readFileSync(cp.pki.ca.cert), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json' } }, (resp) => {
      resp.resume();
      resp.on('end', () => res({ status: resp.statusCode ?? 0 }));
    });
    req.on('error', rej);
    req.end(JSON.stringify(body));
  });
}

describe('harden cluster killed with SIGKILL mid-apply', () => {
  let seeded: Record<string, unknown>;
  const many = Array.from({ length: 80 }, (_, i) => `e2e-kill-${String(i).padStart(2, '0')}-${randomBytes(2).toString('hex')}`);

  beforeAll(async () => {
    await createNamespaces(many);
    seeded = await clusterState();
  });

  it('the interrupted journal alone rolls back to the seeded state', async () => {
    const file = journalPath('killed-once');
    await applyAndKill(file, 40);
    const j = readJournal(file);
    expect(j.interrupted).toBe(true);
    const finished = j.entries.filter((e) => e.status === 'done').length;
    expect(finished).toBeGreaterThanOrEqual(40);
    expect(finished).toBeLessThan(many.length * 3); // killed mid-apply, not after it
    expect(await clusterState()).not.toEqual(seeded);
    const r = await runCli(['rollback', file, '--kubeconfig', cp.kubeconfigPath]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('an apply run was interrupted');
    expect(await clusterState()).toEqual(seeded);
  });

  it('killed, rerun with the same journal (continued), then rolled back: nothing lost', async () => {
    const file = journalPath('killed-rerun');
    await applyAndKill(file, 60);
    const killed = readJournal(file);
    expect(killed.interrupted).toBe(true);
    // The rerun as a child process too; it continues the journal and finishes the job.
    const { done } = spawnCli(cliArgs(file, '--apply'));
    const rerun = await done;
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('Continuing journal');
    expect(rerun.stdout).toContain('an earlier run was interrupted');
    expect(rerun.stdout).toContain('Verified: a new plan has nothing left to change.');
    const both = readJournal(file);
    expect(both.runs).toBe(2);
    // Every planned change was made exactly once across the two runs (nothing applied twice, nothing missed).
    const doneIds = both.entries.filter((e) => e.status === 'done').map((e) => e.step.id);
    expect(new Set(doneIds).size).toBe(doneIds.length);
    const state = await clusterState();
    for (const ns of many) expect((state[`ServiceAccount/${ns}/default`] as Obj).automountServiceAccountToken).toBe(false);

    const r = await runCli(['rollback', file, '--kubeconfig', cp.kubeconfigPath]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await clusterState()).toEqual(seeded);
  });
});
