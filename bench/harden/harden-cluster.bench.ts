// Bench: `harden cluster --apply` on N namespaces of a real control plane (test/support/control-plane.ts)
// next to the same number of raw writes (creates and merge patches; same HTTP client and concurrency, no
// listing, no plan, no journal), then `rollback` of the journal. Prints the figures.
//
//   npx tsx bench/harden/harden-cluster.bench.ts [--namespaces 200] [--concurrency 16]
//
// Issue 9 asks for 10k namespaces: --namespaces 10000 (creating them and waiting for their default
// ServiceAccounts takes a few minutes of its own, reported apart).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '../../src/collectors/cluster/load-kube-config.js';
import { mapLimit } from '../../src/collectors/cluster/bounded-concurrency.js';
import { runHardenCluster } from '../../src/cli/harden-cluster-command.js';
import { runRollback } from '../../src/cli/rollback-command.js';
import { FIELD_MANAGER, KubeClient, objectPath } from '../../src/remediation/apply/kube-client.js';
import { connect, observeCluster } from '../../src/remediation/apply/observe-cluster.js';
import { planCluster, type ClusterPlanOptions } from '../../src/remediation/cluster-plan.js';
import type { KubeObject } from '../../src/remediation/plan.js';
import { startControlPlane } from '../../test/support/control-plane.js';
import { positiveInt } from '../argv.js';

const N = positiveInt('--namespaces', 200);
const concurrency = positiveInt('--concurrency', 16);
const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
};

const work = mkdtempSync(join(tmpdir(), 'rke-harden-bench-'));
const cp = await startControlPlane({ log, startTimeoutMs: 180_000 });
try {
  // Seed: N namespaces, each with its default ServiceAccount (kube-controller-manager creates those).
  const names = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  const [, seedMs] = await timed(async () => {
    await mapLimit(names, 32, async (name) => {
      const r = await cp.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      if (r.status !== 201) throw new Error(`create namespace ${name}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    });
    for (;;) {
      const r = await cp.request('GET', '/api/v1/serviceaccounts?fieldSelector=metadata.name%3Ddefault');
      const count = (r.json<{ items: unknown[] }>().items ?? []).length;
      if (count >= N + 4) break;
      await new Promise((res) => setTimeout(res, 500));
    }
  });
  log(`seeded ${N} namespaces (with default ServiceAccounts) in ${seconds(seedMs)}`);

  const common = {
    kubeconfig: cp.kubeconfigPath,
    networkPolicy: 'allow-same-namespace' as const,
    psaLevel: 'restricted' as const,
    psaVersion: 'latest',
    exemptions: ['rke2'],
    excludeNamespace: [],
    concurrency,
  };
  const { kc } = await loadKubeConfig({ kubeconfig: cp.kubeconfigPath });

  // Listing and planning alone.
  const planOptions: ClusterPlanOptions = { networkPolicy: 'allow-same-namespace', psaLevel: 'restricted', psaVersion: 'latest', exemptions: { 'kube-system': 'bench' }, exclude: [] };
  const [plan, planMs] = await timed(async () => planCluster(await observeCluster(await connect(kc)), planOptions));
  const steps = plan.steps.length;

  // harden cluster --apply: list, plan, journal (fsync before each write), create / merge patch, list again to verify.
  const journal = join(work, 'bench.journal.jsonl');
  const [applied, applyMs] = await timed(() => runHardenCluster({ ...common, apply: true, journal }));
  if (applied.code !== 0) throw new Error(`harden cluster --apply failed:\n${applied.text.slice(-2000)}`);
  const journalBytes = statSync(journal).size;

  // rollback of that journal.
  const [back, rollbackMs] = await timed(() => runRollback(journal, { kubeconfig: cp.kubeconfigPath, force: false, concurrency }));
  if (back.code !== 0) throw new Error(`rollback failed:\n${back.text.slice(-2000)}`);

  // The same writes, raw: the plan's bodies sent as they are, with the same verbs (create a new object,
  // merge-patch an existing one), without the resourceVersion precondition (the objects changed since).
  const client = new KubeClient(kc, { maxSockets: concurrency });
  const [, rawMs] = await timed(() =>
    mapLimit(plan.steps, concurrency, async (s) => {
      const { resourceVersion: _rv, ...metadata } = (s.body.metadata ?? {}) as Record<string, unknown>;
      const body = { ...s.body, metadata } as KubeObject;
      await (s.prior.exists ? client.mergePatch(objectPath(s.ref), body, { fieldManager: FIELD_MANAGER }) : client.create(s.ref, body));
    }),
  );
  client.close();

  const perStep = (ms: number) => `${((ms / steps) * 1000).toFixed(0)} µs/write`;
  console.log(`harden cluster bench (Kubernetes ${cp.version.gitVersion}, ${N} namespaces, concurrency ${concurrency})`);
  console.log(`  writes planned            ${steps} (ServiceAccount, NetworkPolicy, Namespace labels per namespace)`);
  console.log(`  list + plan               ${seconds(planMs)}`);
  console.log(`  harden cluster --apply    ${seconds(applyMs)}  (${perStep(applyMs)}; includes list + plan, journal fsyncs, verify re-list)`);
  console.log(`  raw writes                ${seconds(rawMs)}  (${perStep(rawMs)}; same client and concurrency, nothing else)`);
  console.log(`  overhead vs raw           ${((applyMs / rawMs - 1) * 100).toFixed(0)} %  (x${(applyMs / rawMs).toFixed(2)})`);
  console.log(`  journal                   ${(journalBytes / 1024).toFixed(0)} KB (${(journalBytes / steps).toFixed(0)} B/write)`);
  console.log(`  rollback                  ${seconds(rollbackMs)}  (${perStep(rollbackMs)}; GET + merge patch or DELETE per change)`);
  console.log(`  seeding (not measured)    ${seconds(seedMs)}`);
} finally {
  await cp.stop();
  rmSync(work, { recursive: true, force: true });
}
