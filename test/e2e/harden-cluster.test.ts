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
import { resolveNamespaceExemptions } from '../../src/collectors/cluster/namespace-exemptions.js';
import { readJournal } from '../../src/remediation/journal.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { findControlPlaneBinaries } from '../support/controlplane-bin.js';
import { runCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait.js';

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
  return ['harden', 'cluster', '--kubeconfig', cp.kubeconfigPath, '--exemptions', 'rke2', '--exclude-namespace', 'e2e-excluded', '--journal', journal, ...extra];
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
  const plain = ['e2e-a', 'e2e-b', 'e2e-c'];

  beforeAll(async () => {
    expect(exempt).toContain('kube-system');
    expect(exempt).toContain('tigera-operator');
    await createNamespaces([...plain, 'e2e-with-np', 'e2e-baseline', 'e2e-sa-true', 'e2e-excluded', 'tigera-operator']);
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
      expect(e.verb).toBe('patch');
      expect(e.requestURI).toContain('dryRun=All');
      expect(e.requestURI).toContain('force=true');
    }
  });

  it('--apply: every non-exempt namespace gets automount false, a NetworkPolicy and PSA labels; exempt ones are untouched', async () => {
    const r = await runCli(cliArgs(journalPath('apply'), '--apply'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Verified: a new plan has nothing left to change.');
    const state = await clusterState();
    const namespaces = Object.keys(state).filter((k) => k.startsWith('Namespace/')).map((k) => k.split('/')[2]!);
    const untouched = [...exempt, 'e2e-excluded'];
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
    // Server-side apply by field manager rke-harden.
    const sa = await api('GET', '/api/v1/namespaces/e2e-a/serviceaccounts/default');
    expect(sa.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: 'rke-harden', operation: 'Apply', fieldsV1: { 'f:automountServiceAccountToken': {} } }));
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
    expect(r.stderr).toContain(`records changes to ${cp.server}`);
  });
});

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
