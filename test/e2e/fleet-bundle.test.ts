// The Fleet bundle (deploy/fleet) read by Fleet's own CLI (scripts/build-fleet.sh builds it from its
// Go module), as a GitRepo's job would:
//   1. `fleet apply -o` (no cluster): the Bundle fleet.yaml makes, with the targets file Fleet's
//      GitRepo controller derives from deploy/fleet/gitrepo.yaml. The chart must be inside it, and no
//      key of fleet.yaml may be dropped on the way (Fleet ignores unknown keys without a word).
//   2. `fleet target` against a real kube-apiserver holding Fleet's CRDs and labelled Cluster objects:
//      the BundleDeployment (merged values) each cluster gets, or none; then `fleet deploy --dry-run`
//      renders each one with Fleet's helm engine, compared object by object with
//      `helm template` of the chart with the same values.
//
// Needs RKE_HARDEN_FLEET=<fleet binary> (fleet-crds.yaml beside it), plus for part 2 helm
// ($RKE_HARDEN_HELM or scripts/build-helm.sh's cache) and the control plane
// (scripts/build-controlplane.sh). Without them it skips with the reason, unless
// RKE_HARDEN_FLEET_TEST=required (scripts/ci-fleet.sh sets it), where it fails instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { findControlPlaneBinaries, REPO_ROOT } from '../support/controlplane-bin.js';
import { findHelm } from '../support/helm.js';
import { waitFor } from '../support/wait.js';

const REPO = path.resolve(REPO_ROOT);
const BUNDLE_DIR = path.join(REPO, 'deploy/fleet');
const CHART = path.join(REPO, 'deploy/helm/rke-harden');
const WORKSPACE = 'fleet-default';
const KUBE_VERSION = '1.37.2';

const required = process.env.RKE_HARDEN_FLEET_TEST === 'required';
const FLEET = process.env.RKE_HARDEN_FLEET;
const FLEET_CRDS = process.env.RKE_HARDEN_FLEET_CRDS || (FLEET ? path.join(path.dirname(FLEET), 'fleet-crds.yaml') : '');

function fleetSkipReason(): string | undefined {
  if (!FLEET) return 'RKE_HARDEN_FLEET is not set (scripts/ci-fleet.sh builds Fleet\'s CLI, sets it and runs this file)';
  if (!fs.existsSync(FLEET)) return `RKE_HARDEN_FLEET=${FLEET} does not exist (bash scripts/build-fleet.sh builds it)`;
  return undefined;
}

const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-fleet-home-'));
function run(bin: string, args: string[], cwd = REPO): { code: number; stdout: string; stderr: string } {
  // A private HOME: fleet apply's helm dependency step and helm keep their caches there.
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HOME, HELM_CACHE_HOME: path.join(HOME, 'helm-cache'), HELM_CONFIG_HOME: path.join(HOME, 'helm-config'), KUBECONFIG: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
function fleet(args: string[]): string {
  const r = run(FLEET!, args);
  if (r.code !== 0) throw new Error(`fleet ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const skipApply = fleetSkipReason();
let skipTargets = skipApply;
let HELM: string | undefined;
if (!skipTargets) {
  const help = (cmd: string): string => run(FLEET!, [cmd, '--help']).stdout;
  HELM = findHelm();
  if (!help('target').includes('--bundle-file') || !help('deploy').includes('--dry-run')) {
    skipTargets = `${fleet(['--version']).trim()} has no offline \`fleet target\`/\`fleet deploy --dry-run\` (Fleet >= 0.10 has them)`;
  } else if (!fs.existsSync(FLEET_CRDS)) {
    skipTargets = `Fleet's CRDs are not at ${FLEET_CRDS} (scripts/build-fleet.sh puts them beside the binary; or RKE_HARDEN_FLEET_CRDS)`;
  } else if (!HELM) {
    skipTargets = 'no helm: RKE_HARDEN_HELM or bash scripts/build-helm.sh';
  } else {
    try {
      findControlPlaneBinaries();
    } catch (e) {
      skipTargets = (e as Error).message;
    }
  }
}
if (skipTargets && required) throw new Error(`Fleet bundle test required (RKE_HARDEN_FLEET_TEST=required) but cannot run: ${skipTargets}`);
if (skipApply) console.warn(`Fleet bundle test skipped: ${skipApply}`);
else if (skipTargets) console.warn(`Fleet bundle test: fleet target/deploy part skipped: ${skipTargets}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Fleet and Kubernetes objects, read by field in assertions
type Loose = any;

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Loose;
}

interface FleetYaml {
  defaultNamespace: string;
  namespaceLabels: Record<string, string>;
  helm: { chart: string; releaseName: string; values: Loose; timeoutSeconds?: number; waitForJobs?: boolean };
  targetCustomizations: { name: string; clusterSelector: { matchLabels: Record<string, string> }; helm: { values: Loose } }[];
}

const fleetYaml = parseYaml(fs.readFileSync(path.join(BUNDLE_DIR, 'fleet.yaml'), 'utf8')) as FleetYaml;
const gitRepo = parseYaml(fs.readFileSync(path.join(BUNDLE_DIR, 'gitrepo.yaml'), 'utf8')) as KubeObject & { spec: { paths: string[]; targets: Loose[] } };

/** The targets file Fleet's GitRepo controller gives `fleet apply` (targetsyaml.go in Fleet v0.12): each GitRepo target is a target and a restriction. */
function targetsFile(): string {
  const targets = gitRepo.spec.targets.map((t: Loose) => ({ name: t.name, clusterName: t.clusterName, clusterSelector: t.clusterSelector, clusterGroup: t.clusterGroup, clusterGroupSelector: t.clusterGroupSelector }));
  return JSON.stringify({ targets, targetRestrictions: targets });
}

function objectsOf(text: string): KubeObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o !== null);
}

/** Every file of a directory, relative paths, hidden ones (.helmignore) left out as Fleet does. */
function filesUnder(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).filter((e) => !e.name.startsWith('.')).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? filesUnder(dir, p) : [p];
  });
}

interface BundleResource { name: string; content: string; encoding?: string }
function contentOf(r: BundleResource): string {
  if (!r.encoding) return r.content;
  expect(r.encoding, r.name).toBe('base64+gz');
  return gunzipSync(Buffer.from(r.content, 'base64')).toString('utf8');
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-fleet-'));
const bundleFile = path.join(work, 'bundle.yaml');
let bundle: KubeObject & { spec: Loose };

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(HOME, { recursive: true, force: true });
});

describe.skipIf(!!skipApply)('fleet apply: the Bundle deploy/fleet makes', () => {
  beforeAll(() => {
    fs.writeFileSync(path.join(work, 'targets.yaml'), targetsFile());
    // As the GitRepo's job runs it (from the checkout's root, the GitRepo's path as argument), with -o: no cluster.
    expect(gitRepo.spec.paths).toEqual(['deploy/fleet']);
    fleet(['apply', '--targets-file', path.join(work, 'targets.yaml'), '--namespace', WORKSPACE, '--commit', 'test', '-o', bundleFile, 'rke-harden', 'deploy/fleet']);
    const docs = objectsOf(fs.readFileSync(bundleFile, 'utf8'));
    expect(docs).toHaveLength(1);
    bundle = docs[0] as typeof bundle;
  });

  it('is a Bundle in the GitRepo\'s workspace, named after the GitRepo and the path', () => {
    expect(bundle).toMatchObject({ apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Bundle', metadata: { name: 'rke-harden-deploy-fleet', namespace: WORKSPACE } });
    expect(run(FLEET!, ['--version']).stdout).toMatch(/^fleet version v\d+\.\d+\.\d+/);
  });

  it('carries the chart, every file of it and nothing else (not gitrepo.yaml, not fleet.yaml)', () => {
    const resources = bundle.spec.resources as BundleResource[];
    const chartYaml = resources.filter((r) => /^\.chart\/[0-9a-f]{64}\/Chart\.yaml$/.test(r.name));
    expect(chartYaml.map((r) => r.name), 'one packed chart').toHaveLength(1);
    const prefix = path.posix.dirname(chartYaml[0]!.name) + '/';
    expect(resources.filter((r) => !r.name.startsWith(prefix)).map((r) => r.name)).toEqual([]);
    const packed = new Map(resources.map((r) => [r.name.slice(prefix.length), contentOf(r)]));
    const want = filesUnder(CHART).sort();
    expect([...packed.keys()].sort()).toEqual(want);
    expect(want).toEqual(expect.arrayContaining(['Chart.yaml', 'values.yaml', 'values.schema.json', 'templates/daemonset.yaml', 'templates/servicemonitor.yaml', 'templates/prometheusrule.yaml']));
    for (const f of want) expect(packed.get(f), f).toBe(fs.readFileSync(path.join(CHART, f), 'utf8'));
    // fleet apply's helm dependency step must not have written into the checkout.
    expect(fs.existsSync(path.join(CHART, 'Chart.lock')) || fs.existsSync(path.join(CHART, 'charts'))).toBe(false);
  });

  it('keeps every key of fleet.yaml (Fleet drops unknown keys silently)', () => {
    const { targetCustomizations, ...rest } = fleetYaml;
    // targetCustomizations become the first targets; the GitRepo's targets follow, and restrict.
    expect(bundle.spec).toMatchObject({ ...rest, targets: [...targetCustomizations, ...gitRepo.spec.targets] });
    expect(bundle.spec.targetRestrictions).toEqual(gitRepo.spec.targets);
  });

  it('namespace, Pod Security labels, release and values as docs/deploy.md says', () => {
    const s = bundle.spec;
    expect(s.defaultNamespace).toBe('rke-harden');
    expect(s.namespaceLabels).toEqual({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/audit': 'privileged',
      'pod-security.kubernetes.io/warn': 'privileged',
    });
    expect(s.helm).toMatchObject({ releaseName: 'rke-harden', values: { aggregator: { schedule: '@every 1h', keep: 10 } }, waitForJobs: true });
    // waitForJobs only acts with a timeout: Fleet runs helm with --wait when timeoutSeconds > 0.
    expect(s.helm.timeoutSeconds).toBeGreaterThan(0);
    const byName = Object.fromEntries((s.targets as Loose[]).map((t) => [t.name, t]));
    expect(Object.keys(byName)).toEqual(['rke1-monitored', 'rke1', 'monitored', 'enabled']);
    const monitoring = { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, networkPolicy: { metricsFromNamespaces: ['cattle-monitoring-system'] } };
    expect(byName['rke1-monitored']).toMatchObject({ clusterSelector: { matchLabels: { 'rke-harden.io/distro': 'rke1', 'rke-harden.io/monitoring': 'true' } }, helm: { values: { distro: 'rke1', ...monitoring } } });
    expect(byName.rke1).toMatchObject({ clusterSelector: { matchLabels: { 'rke-harden.io/distro': 'rke1' } }, helm: { values: { distro: 'rke1' } } });
    expect(byName.monitored).toMatchObject({ clusterSelector: { matchLabels: { 'rke-harden.io/monitoring': 'true' } }, helm: { values: monitoring } });
    expect(byName.monitored.helm.values.distro).toBeUndefined();
    expect(byName.enabled).toMatchObject({ clusterSelector: { matchLabels: { 'rke-harden.io/enabled': 'true' } } });
  });
});

/** Test clusters: labels, and the customization Fleet must pick (first match), or none when the GitRepo does not target it. */
const CLUSTERS: { name: string; labels: Record<string, string>; customization?: string; distro: 'rke1' | 'rke2'; monitored: boolean }[] = [
  { name: 'rke1-monitored', labels: { 'rke-harden.io/enabled': 'true', 'rke-harden.io/distro': 'rke1', 'rke-harden.io/monitoring': 'true' }, customization: 'rke1-monitored', distro: 'rke1', monitored: true },
  { name: 'rke1-plain', labels: { 'rke-harden.io/enabled': 'true', 'rke-harden.io/distro': 'rke1' }, customization: 'rke1', distro: 'rke1', monitored: false },
  { name: 'rke2-monitored', labels: { 'rke-harden.io/enabled': 'true', 'rke-harden.io/monitoring': 'true' }, customization: 'monitored', distro: 'rke2', monitored: true },
  { name: 'rke2-plain', labels: { 'rke-harden.io/enabled': 'true', 'rke-harden.io/distro': 'rke2' }, distro: 'rke2', monitored: false },
  // Not labelled enabled: the GitRepo's target restriction keeps the bundle off it, customizations or not.
  { name: 'not-enabled', labels: { 'rke-harden.io/distro': 'rke1', 'rke-harden.io/monitoring': 'true' }, distro: 'rke1', monitored: true },
];

/** Fleet's own labels and annotations (its post-renderer adds them), left out when comparing with helm template. */
function withoutFleetMetadata(o: KubeObject): KubeObject {
  const copy = structuredClone(o);
  for (const key of ['labels', 'annotations'] as const) {
    const m = copy.metadata[key];
    if (!m) continue;
    for (const k of Object.keys(m)) if (k.startsWith('objectset.rio.cattle.io/')) delete m[k];
    if (Object.keys(m).length === 0) delete copy.metadata[key];
  }
  return copy;
}
const keyOf = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
function hostPaths(ds: Loose): string[] {
  return ds.spec.template.spec.volumes.filter((v: Loose) => v.hostPath).map((v: Loose) => v.hostPath.path);
}

describe.skipIf(!!skipTargets)('fleet target + fleet deploy --dry-run: what each cluster gets', () => {
  let cp: ControlPlane;
  const rendered = new Map<string, KubeObject[]>();
  const deployments = new Map<string, Loose>();

  beforeAll(async () => {
    cp = await startControlPlane({ controllerManager: false });
    for (const crd of objectsOf(fs.readFileSync(FLEET_CRDS, 'utf8'))) {
      const r = await cp.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      expect(r.status, r.body).toBe(201);
    }
    await waitFor('fleet.cattle.io/v1alpha1 clusters served', async () => ((await cp.request('GET', `/apis/fleet.cattle.io/v1alpha1/namespaces/${WORKSPACE}/clusters`)).status === 200 ? true : undefined), { deadline: Date.now() + 60_000 });
    await waitFor('fleet.cattle.io/v1alpha1 every kind served', async () => ((await cp.request('GET', '/apis/fleet.cattle.io/v1alpha1')).json<{ resources?: { name: string }[] }>().resources?.some((r) => r.name === 'bundledeployments') ? true : undefined), { deadline: Date.now() + 60_000 });
    expect((await cp.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: WORKSPACE } })).status).toBe(201);
    for (const c of CLUSTERS) {
      const r = await cp.request('POST', `/apis/fleet.cattle.io/v1alpha1/namespaces/${WORKSPACE}/clusters?fieldValidation=Strict`, { apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Cluster', metadata: { name: c.name, namespace: WORKSPACE, labels: c.labels }, spec: {} });
      expect(r.status, r.body).toBe(201);
      // Fleet's cluster controller gives each cluster a namespace for its BundleDeployments.
      const s = await cp.request('PATCH', `/apis/fleet.cattle.io/v1alpha1/namespaces/${WORKSPACE}/clusters/${c.name}/status`, JSON.stringify({ status: { namespace: `cluster-${WORKSPACE}-${c.name}` } }), { 'content-type': 'application/merge-patch+json' });
      expect(s.status, s.body).toBe(200);
    }

    if (!bundle) bundle = objectsOf(fs.readFileSync(bundleFile, 'utf8'))[0] as typeof bundle;
    const out = objectsOf(fleet(['target', '--bundle-file', bundleFile, '--kubeconfig', cp.kubeconfigPath]));
    const contents = out.filter((o) => o.kind === 'Content');
    expect(contents).toHaveLength(1);
    for (const bd of out.filter((o) => o.kind === 'BundleDeployment')) {
      const cluster = bd.metadata.labels!['fleet.cattle.io/cluster']!;
      deployments.set(cluster, bd);
      const input = path.join(work, `deploy-${cluster}.yaml`);
      fs.writeFileSync(input, `---\n${stringify(contents[0])}---\n${stringify(bd)}`);
      const objects = parseYaml(fleet(['deploy', '--dry-run', '--input-file', input, '--kube-version', KUBE_VERSION])) as KubeObject[];
      rendered.set(cluster, objects);
    }
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('the example GitRepo is valid for Fleet\'s GitRepo CRD (strict field validation)', async () => {
    const q = new URLSearchParams({ dryRun: 'All', fieldValidation: 'Strict' });
    const r = await cp.request('POST', `/apis/fleet.cattle.io/v1alpha1/namespaces/${WORKSPACE}/gitrepos?${q}`, gitRepo);
    expect(r.status, r.body).toBe(201);
    const b = await cp.request('POST', `/apis/fleet.cattle.io/v1alpha1/namespaces/${WORKSPACE}/bundles?${q}`, bundle);
    expect(b.status, b.body).toBe(201);
  });

  it('a BundleDeployment for each cluster the GitRepo targets, in its namespace, with the customization that matches first', () => {
    expect([...deployments.keys()].sort()).toEqual(CLUSTERS.filter((c) => c.labels['rke-harden.io/enabled'] === 'true').map((c) => c.name).sort());
    for (const c of CLUSTERS.filter((x) => deployments.has(x.name))) {
      const bd = deployments.get(c.name);
      expect(bd.metadata.namespace, c.name).toBe(`cluster-${WORKSPACE}-${c.name}`);
      const custom = fleetYaml.targetCustomizations.find((t) => t.name === c.customization);
      // Fleet merges the customization's values into the bundle's.
      expect(bd.spec.options.helm.values, c.name).toEqual({ ...fleetYaml.helm.values, ...(custom?.helm.values ?? {}) });
      expect(bd.spec.options).toMatchObject({ defaultNamespace: 'rke-harden', namespaceLabels: fleetYaml.namespaceLabels, helm: { releaseName: 'rke-harden' } });
    }
  });

  it('renders RKE1 host paths on RKE1 clusters and RKE2 ones elsewhere; ServiceMonitor and PrometheusRule only on monitored clusters', () => {
    for (const c of CLUSTERS.filter((x) => rendered.has(x.name))) {
      const objects = rendered.get(c.name)!;
      const kinds = objects.map((o) => o.kind);
      const ds = objects.filter((o) => o.kind === 'DaemonSet');
      const paths = hostPaths(ds[0]);
      if (c.distro === 'rke1') {
        expect(ds.map((d) => d.metadata.name), c.name).toEqual(['rke-harden-node', 'rke-harden-node-etcd']);
        expect(paths, c.name).toContain('/etc/kubernetes');
        expect(paths, c.name).not.toContain('/var/lib/rancher/rke2');
        expect(hostPaths(ds[1]), c.name).toContain('/var/lib/etcd');
      } else {
        expect(ds.map((d) => d.metadata.name), c.name).toEqual(['rke-harden-node']);
        expect(paths, c.name).toEqual(['/var/lib/rancher/rke2', '/etc/rancher/rke2', '/etc/cni/net.d', '/etc/passwd', '/etc/group']);
      }
      for (const kind of ['ServiceMonitor', 'PrometheusRule']) expect(kinds.includes(kind), `${c.name}: ${kind}`).toBe(c.monitored);
      const np = objects.find((o) => o.kind === 'NetworkPolicy' && JSON.stringify(o.spec).includes('cattle-monitoring-system'));
      expect(!!np, `${c.name}: metrics allowed from cattle-monitoring-system`).toBe(c.monitored);
      // The release's namespace is the bundle's defaultNamespace.
      for (const o of objects.filter((x) => x.kind === 'DaemonSet' || x.kind === 'Deployment')) expect(o.metadata.namespace, `${c.name}: ${keyOf(o)}`).toBe('rke-harden');
    }
  });

  it('renders exactly what helm template renders with the same values (Fleet adds only its own labels)', () => {
    for (const c of CLUSTERS.filter((x) => rendered.has(x.name))) {
      const custom = fleetYaml.targetCustomizations.find((t) => t.name === c.customization);
      const base = path.join(work, 'values-base.yaml');
      const over = path.join(work, `values-${c.name}.yaml`);
      fs.writeFileSync(base, stringify(fleetYaml.helm.values));
      fs.writeFileSync(over, stringify(custom?.helm.values ?? {}));
      const r = run(HELM!, ['template', fleetYaml.helm.releaseName, CHART, '--namespace', fleetYaml.defaultNamespace, '--kube-version', KUBE_VERSION, '-f', base, '-f', over]);
      expect(r.code, r.stderr).toBe(0);
      const want = new Map(objectsOf(r.stdout).map((o) => [keyOf(o), o]));
      const got = new Map(rendered.get(c.name)!.map((o) => [keyOf(o), o]));
      expect([...got.keys()].sort(), c.name).toEqual([...want.keys()].sort());
      for (const [k, o] of got) {
        expect(o.metadata.labels?.['objectset.rio.cattle.io/hash'], `${c.name}: ${k} carries Fleet's label`).toBeDefined();
        expect(withoutFleetMetadata(o), `${c.name}: ${k}`).toEqual(want.get(k));
      }
    }
  });
});
