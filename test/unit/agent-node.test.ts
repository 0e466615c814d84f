// The node agent: collection (in-process and in a child process, with its deadline), envelopes,
// publishing through the AgentKube port, and the CLI's `agent node --once`.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childProcessCollector, collectArgs, inProcessCollector, type CollectRequest } from '../../src/agent/collect.js';
import { A } from '../../src/agent/labels.js';
import { MemoryAgentKube } from '../../src/agent/memory-kube.js';
import { runNodeAgent } from '../../src/agent/node-agent.js';
import { configMapToEnvelope } from '../../src/agent/snapshot-envelope.js';
import { catalogSysctls } from '../../src/agent/sysctls.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { fixtureTree } from '../support/node-audit.js';
import { runCli } from '../support/run-cli.js';

const REPO = path.resolve(import.meta.dirname, '../..');
/** The CLI from its sources, as a child process. */
const CLI = [process.execPath, '--import', 'tsx', path.join(REPO, 'src/agent/entry.ts')];

describe('node agent', () => {
  let root: string;
  let req: CollectRequest;
  beforeAll(() => {
    root = fixtureTree('rke1-worker-hardened');
    req = { hostRoot: root, procDir: path.join(root, 'proc'), node: 'rke1-worker-2', sysctls: catalogSysctls(loadCatalog()) };
  });
  afterAll(() => removeHostTree(root));

  it('passes the request to `agent collect` as flags', () => {
    expect(collectArgs({ ...req, distro: 'rke1', roles: ['worker'], k8sVersion: 'v1.28.9-rancher1' })).toEqual([
      'agent', 'collect', '--host-root', root, '--proc-dir', path.join(root, 'proc'), '--node-name', 'rke1-worker-2',
      '--distro', 'rke1', '--k8s-version', 'v1.28.9-rancher1', '--role', 'worker', '--sysctl', req.sysctls.join(','),
    ]);
  });

  it('a child-process collection gives the same snapshot as an in-process one', async () => {
    const inProc = await inProcessCollector()(req, 30_000);
    const child = await childProcessCollector(CLI)(req, 60_000);
    expect(inProc.status).toBe('ok');
    expect(child.status, child.status === 'ok' ? '' : child.error).toBe('ok');
    if (inProc.status !== 'ok' || child.status !== 'ok') return;
    expect(child.snapshot).toEqual(inProc.snapshot);
    expect(child.snapshot.target).toEqual({ kind: 'node', name: 'rke1-worker-2' });
    expect(child.snapshot.distro).toBe('rke1');
  }, 60_000);

  it('kills a collection that passes its deadline and says so', async () => {
    const started = Date.now();
    const sleeper = [process.execPath, '-e', 'setInterval(() => {}, 1000)', '--'];
    const r = await childProcessCollector(sleeper)(req, 700);
    expect(r.status).toBe('timeout');
    expect(r.status !== 'ok' && r.error).toMatch(/did not finish within 1 s \(killed/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports why a collection failed (not an RKE node)', async () => {
    const empty = fixtureTree('rke1-worker-hardened', (spec) => {
      spec.files = { '/etc/hostname': 'plain\n' };
      spec.processes = [];
    });
    try {
      const r = await childProcessCollector(CLI)({ ...req, hostRoot: empty, procDir: path.join(empty, 'proc') }, 60_000);
      expect(r.status).toBe('error');
      expect(r.status !== 'ok' && r.error).toMatch(/not recognisably an RKE1 or RKE2 node/);
      const inProc = await inProcessCollector()({ ...req, hostRoot: empty, procDir: path.join(empty, 'proc') }, 10_000);
      expect(inProc.status !== 'ok' && inProc.error).toMatch(/not recognisably an RKE1 or RKE2 node/);
    } finally {
      removeHostTree(empty);
    }
  }, 60_000);

  it('an in-process collection that hangs asynchronously ends at the deadline', async () => {
    const r = await inProcessCollector(() => new Promise(() => undefined))(req, 200);
    expect(r.status).toBe('timeout');
  });

  it('publishes the snapshot as a ConfigMap owned by its Node, and a timeout as such', async () => {
    const kube = new MemoryAgentKube();
    kube.nodes.set('rke1-worker-2', 'uid-42');
    const logs: string[] = [];
    const opts = { request: req, namespace: 'rke-harden', timeoutMs: 30_000, intervalMs: 1000, jitter: 0, once: true, publish: 'configmap' as const };
    expect(await runNodeAgent(opts, { collector: inProcessCollector(), kube, log: (l) => logs.push(l) })).toBe('ok');
    const cm = kube.configMaps.get('rke-harden/rke-harden-snapshot-rke1-worker-2')!;
    expect(cm.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'rke1-worker-2', uid: 'uid-42' }]);
    const env = configMapToEnvelope(cm);
    expect(env.status).toBe('ok');
    expect(env.snapshot!.distro).toBe('rke1');
    expect(logs.join('\n')).toMatch(/published ConfigMap rke-harden\/rke-harden-snapshot-rke1-worker-2 \(ok/);

    const timeout = await runNodeAgent(opts, { collector: async () => ({ status: 'timeout', error: 'too slow', durationMs: 30_000 }), kube, log: () => undefined });
    expect(timeout).toBe('timeout');
    const after = kube.configMaps.get('rke-harden/rke-harden-snapshot-rke1-worker-2')!;
    expect(after.binaryData).toBeUndefined();
    expect(after.metadata.annotations![A.collectStatus]).toBe('timeout');
    expect(after.metadata.annotations![A.error]).toBe('too slow');
  });

  it('keeps going when publishing fails, and stops on its signal', async () => {
    const kube = new MemoryAgentKube();
    kube.failures.set('get node', new Error('forbidden'));
    kube.failures.set('apply', new Error('connection refused'));
    const logs: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let cycles = 0;
    const done = runNodeAgent(
      { request: req, namespace: 'ns', timeoutMs: 5_000, intervalMs: 20, jitter: 0, once: false, publish: 'configmap' },
      {
        collector: async (r, t) => {
          if (++cycles === 3) stop();
          return inProcessCollector()(r, t);
        },
        kube,
        log: (l) => logs.push(l),
        stopped,
      },
    );
    expect(await done).toBe('ok');
    expect(cycles).toBe(3);
    expect(logs[0]).toMatch(/cannot read Node rke1-worker-2 \(forbidden\): publishing without an owner/);
    expect(logs[1]).toMatch(/publishing failed: connection refused/);
    expect(kube.configMaps.get('ns/rke-harden-snapshot-rke1-worker-2')?.metadata.ownerReferences).toBeUndefined();
  });

  it('a failed publish is tried again soon, the wait doubling, not after a whole interval', async () => {
    const kube = new MemoryAgentKube();
    kube.failures.set('apply', new Error('connection refused'));
    const logs: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let cycles = 0;
    await runNodeAgent(
      { request: req, namespace: 'ns', timeoutMs: 5_000, intervalMs: 3_600_000, jitter: 0, once: false, publish: 'configmap', publishRetryMs: 5 },
      {
        collector: async (r, t) => {
          if (++cycles === 2) kube.failures.set('apply', new Error('service unavailable'));
          if (cycles === 3) stop();
          return inProcessCollector()(r, t);
        },
        kube,
        log: (l) => logs.push(l),
        stopped,
      },
    );
    expect(logs.filter((l) => l.startsWith('publishing failed'))).toEqual([
      'publishing failed: connection refused; trying again in 5 ms',
      'publishing failed: service unavailable; trying again in 10 ms',
    ]);
    expect(kube.configMaps.has('ns/rke-harden-snapshot-rke1-worker-2')).toBe(true); // the third try got through
  });

  it('a Node lookup that failed at start is tried again: the next snapshot is owned by its Node (deleted with it)', async () => {
    const kube = new MemoryAgentKube();
    kube.nodes.set('rke1-worker-2', 'uid-42');
    kube.failures.set('get node', new Error('connection refused'));
    const owners: unknown[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let cycles = 0;
    await runNodeAgent(
      { request: req, namespace: 'ns', timeoutMs: 5_000, intervalMs: 20, jitter: 0, once: false, publish: 'configmap' },
      {
        collector: async (r, t) => {
          owners.push(kube.configMaps.get('ns/rke-harden-snapshot-rke1-worker-2')?.metadata.ownerReferences);
          if (++cycles === 2) stop();
          return inProcessCollector()(r, t);
        },
        kube,
        log: () => undefined,
        stopped,
      },
    );
    expect(owners[1]).toBeUndefined(); // the first publish had no owner
    expect(kube.configMaps.get('ns/rke-harden-snapshot-rke1-worker-2')!.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'rke1-worker-2', uid: 'uid-42' }]);
  });

  it('`agent node --once --publish stdout` prints the envelope', async () => {
    const r = await runCli(['agent', 'node', '--host-root', root, '--proc-dir', path.join(root, 'proc'), '--node-name', 'w2', '--publish', 'stdout', '--once', '--in-process']);
    expect(r.code, r.stderr).toBe(0);
    const env = JSON.parse(r.stdout) as { node: string; status: string; snapshot: { target: { name: string } } };
    expect(env).toMatchObject({ node: 'w2', status: 'ok', snapshot: { target: { name: 'w2' } } });
  });

  it('`agent node` needs a node name and an existing host root', async () => {
    const saved = process.env.NODE_NAME;
    delete process.env.NODE_NAME;
    try {
      const r = await runCli(['agent', 'node', '--host-root', root, '--publish', 'stdout', '--once']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--node-name: not given and no \$NODE_NAME/);
      const r2 = await runCli(['agent', 'node', '--host-root', '/no/such/dir', '--node-name', 'x', '--publish', 'stdout', '--once']);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/--host-root \/no\/such\/dir: no such directory/);
    } finally {
      if (saved !== undefined) process.env.NODE_NAME = saved;
    }
  });
});
