// distros/removed-upstream.yaml (what upgrade-check blocks on, and what audit config warns of) against
// the real components built by scripts/build-controlplane.sh: every flag it says Kubernetes removed is
// refused by that component of the pinned version, and every admission plugin by its API server. A flag
// the list names by mistake (still accepted) would block upgrades that work: the test fails on it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { removedFlags } from '../../src/upgrade/removed-upstream.js';
import { findControlPlaneBinaries, findNodeBinaries, pinnedVersions, REPO_ROOT } from '../support/controlplane-bin.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';

const data = parseYaml(readFileSync(join(REPO_ROOT, 'distros/removed-upstream.yaml'), 'utf8')) as Parameters<typeof removedFlags>[0] & {
  admissionPlugins: { plugin: string; removedIn: string }[];
  cloudProviders: { components: string[]; providers: string[]; removedIn: string }[];
  cloudProviderIgnoredFrom: Record<string, string>;
};
const gates = parseYaml(readFileSync(join(REPO_ROOT, 'distros/feature-gates.yaml'), 'utf8')) as {
  removed: Record<string, string[]>;
  locked: Record<string, Record<string, boolean>>;
};
const pinnedMinor = Number(pinnedVersions().kubernetes.split('.')[1]);
const minor = (v: string) => Number(v.split('.')[1]);
const binDir = findControlPlaneBinaries().binDir;
findNodeBinaries(); // the node's components are built beside: say how to build them if they are not

/** Runs each item, a few at a time (each run is a process that exits at once). */
async function eachLimited<T>(items: T[], fn: (item: T) => Promise<void>, limit = 4): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

/** What the component prints when started with these arguments (it exits at once: --version, or an error). */
async function run(component: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(join(binDir, component), args, { timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe(`removed-upstream.yaml against Kubernetes ${pinnedVersions().kubernetes}`, () => {
  const flags = removedFlags(data).filter((f) => minor(f.removedIn) <= pinnedMinor);

  it('lists flags at all, and each component accepts a flag it has (the refusals below are real)', async () => {
    expect(flags.length).toBeGreaterThan(10);
    for (const component of new Set(flags.map((f) => f.component))) {
      const r = await run(component, ['--v=1', '--version']);
      expect(r.output, component).toContain(`Kubernetes ${pinnedVersions().kubernetes}`);
      expect(r.output, component).not.toMatch(/unknown flag/);
    }
  });

  it.each(flags.map((f) => [f.component, f.flag, f.removedIn]))('%s refuses --%s (removed in %s)', async (component, flag) => {
    const r = await run(component, [`--${flag}=1`, '--version']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`unknown flag: --${flag}`);
  });

  it('kube-controller-manager refuses every removed in-tree cloud provider, and takes external', async () => {
    // The components that still read the name at the pinned minor (the kubelet ignores it from 1.34, and
    // kube-apiserver has no such flag from 1.33: the data says so, upgrade-check then asks nothing of them).
    const reads = (component: string) => !data.cloudProviderIgnoredFrom[component] || pinnedMinor < minor(data.cloudProviderIgnoredFrom[component]!);
    const pairs = data.cloudProviders.filter((c) => minor(c.removedIn) <= pinnedMinor).flatMap((c) => c.components.filter(reads).flatMap((component) => c.providers.map((p) => `${component} ${p}`)));
    const removed = [...new Set(pairs)].map((pair) => pair.split(' ') as [string, string]);
    expect(removed.length).toBeGreaterThan(3);
    for (const [component, provider] of removed) {
      const r = await run(component, [`--cloud-provider=${provider}`]);
      expect(r.code, `${component} ${provider}`).not.toBe(0);
      expect(r.output, `${component} ${provider}`).toMatch(new RegExp(`cloud provider \\\\?"${provider}\\\\?" was specified, but built-in cloud providers are disabled`));
    }
    const external = await run('kube-controller-manager', ['--cloud-provider=external', '--version']);
    expect(external.output).toContain(`Kubernetes ${pinnedVersions().kubernetes}`);
  });

  it('kube-apiserver refuses every removed admission plugin, and names none it has', async () => {
    const removed = data.admissionPlugins.filter((p) => minor(p.removedIn) <= pinnedMinor).map((p) => p.plugin);
    expect(removed.length).toBeGreaterThan(0);
    // The API server validates its options together and says each problem: the plugins' among the
    // missing-setting ones (it is given no etcd or service-account keys: it never starts).
    const r = await run('kube-apiserver', [`--enable-admission-plugins=NodeRestriction,${removed.join(',')}`]);
    for (const p of removed) expect(r.output).toContain(`enable-admission-plugins plugin \\"${p}\\" is unknown`);
    expect(r.output).not.toContain('plugin \\"NodeRestriction\\" is unknown');
  });

  // The gate registry is shared by every component; kube-apiserver and the kubelet are asked of each.
  // The kubelet's and kube-proxy's --version answers before they read their gates: they are started for
  // real and stop at the gate.
  const removedGates = Object.entries(gates.removed).filter(([v]) => minor(v) <= pinnedMinor).flatMap(([, names]) => names);
  const startsWith = async (component: string, gatesArg: string) =>
    ['kubelet', 'kube-proxy'].includes(component) ? run(component, [`--feature-gates=${gatesArg}`]) : run(component, [`--feature-gates=${gatesArg}`, '--version']);

  it('every component takes a gate it has, set to its default (the refusals below are real)', async () => {
    for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const r = await startsWith(component, 'RotateKubeletServerCertificate=true');
      expect(r.output, component).toContain(`Kubernetes ${pinnedVersions().kubernetes}`);
    }
  });

  it.each(['kube-apiserver', 'kubelet'])('%s refuses every feature gate feature-gates.yaml says was removed', async (component) => {
    expect(removedGates.length).toBeGreaterThan(200);
    const accepted: string[] = [];
    await eachLimited(removedGates, async (gate) => {
      const r = await startsWith(component, `${gate}=true`);
      if (r.code === 0 || !r.output.includes(`unrecognized feature gate: ${gate}`)) accepted.push(`${gate}: ${r.output.slice(-300)}`);
    });
    expect(accepted).toEqual([]);
  }, 300_000);

  it('kube-controller-manager, kube-scheduler and kube-proxy refuse the gates removed in the pinned minor', async () => {
    const latest = gates.removed[`1.${pinnedMinor}`] ?? [];
    expect(latest.length).toBeGreaterThan(0);
    for (const component of ['kube-controller-manager', 'kube-scheduler', 'kube-proxy']) {
      for (const gate of latest) expect((await startsWith(component, `${gate}=true`)).output, `${component} ${gate}`).toContain(`unrecognized feature gate: ${gate}`);
    }
  }, 300_000);

  it('kube-apiserver refuses every gate feature-gates.yaml says is locked, set against its locked value', async () => {
    const removed = new Set(removedGates);
    const locked = Object.entries(gates.locked).filter(([v]) => minor(v) <= pinnedMinor).flatMap(([, g]) => Object.entries(g)).filter(([g]) => !removed.has(g));
    expect(locked.length).toBeGreaterThan(20);
    const accepted: string[] = [];
    await eachLimited(locked, async ([gate, to]) => {
      const r = await startsWith('kube-apiserver', `${gate}=${!to}`);
      if (!r.output.includes(`cannot set feature gate ${gate} to ${!to}, feature is locked to ${to}`)) accepted.push(`${gate}: ${r.output.slice(-300)}`);
    });
    expect(accepted).toEqual([]);
  }, 300_000);
});

// distros/removed-apis.yaml (what upgrade-check blocks on in RKE1 addons) against the pinned API server:
// the discovery of each apiVersion (404 when the group version is gone) lists none of the kinds it names.
describe(`removed-apis.yaml against the API server of Kubernetes ${pinnedVersions().kubernetes}`, () => {
  const apis = (parseYaml(readFileSync(join(REPO_ROOT, 'distros/removed-apis.yaml'), 'utf8')) as { apis: { apiVersion: string; kinds: string[]; removedIn: string }[] }).apis;
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
  }, 180_000);
  afterAll(async () => {
    await cp?.stop();
  });

  it('serves none of the kinds in the apiVersions the list says no longer serve them, and serves their successors', async () => {
    const removed = apis.filter((a) => minor(a.removedIn) <= pinnedMinor);
    expect(removed.length).toBeGreaterThan(20);
    const served: string[] = [];
    for (const a of removed) {
      const r = await cp.request('GET', `/apis/${a.apiVersion}`);
      if (r.status === 404) continue;
      expect(r.status, a.apiVersion).toBe(200);
      const kinds = new Set(((await r.json()) as { resources: { kind: string }[] }).resources.map((x) => x.kind));
      served.push(...a.kinds.filter((k) => kinds.has(k)).map((k) => `${a.apiVersion} ${k}`));
    }
    expect(served).toEqual([]);
    // The check is real: a served version lists its kinds.
    const batch = await cp.request('GET', '/apis/batch/v1');
    expect(((await batch.json()) as { resources: { kind: string }[] }).resources.map((x) => x.kind)).toContain('CronJob');
  }, 60_000);
});
