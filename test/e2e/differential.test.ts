// Differential test: every node fixture laid out at its real paths in a private mount/PID/UTS
// namespace, audited there by kube-bench (built from its Go module, its own rke/rke2 data) and by
// `rke-harden audit node --host-root /`; the verdicts must agree per control, except for the
// disagreements bench/differential/allow-list.ts explains one by one (docs/differential.md).
//
// Needs root (mount namespaces) and kube-bench (bash scripts/build-kube-bench.sh, then cached).
// Without them the file is skipped with the reason, unless RKE_HARDEN_DIFFERENTIAL=required
// (scripts/ci-differential.sh sets it), where it fails instead.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOW_LIST, explain, staleCases } from '../../bench/differential/allow-list.js';
import { distroOf, KUBE_BENCH_PROFILES, kubeBenchTargets, runDifferential, type ProfileComparison } from '../../bench/differential/differential.js';
import { HOST_FIXTURES, type HostFixtureName } from '../fixtures/hosts/index.js';
import { REPO_ROOT } from '../support/controlplane-bin.js';
import { buildHostTree, removeHostTree } from '../support/host-fixtures.js';
import { findKubeBench, type KubeBenchInstall } from '../support/kube-bench.js';
import { HERMETIC_DIRS, layoutUnsupportedReason, mountPointOf, planMounts } from '../support/namespace-layout.js';

const required = process.env.RKE_HARDEN_DIFFERENTIAL === 'required';
let kubeBench: KubeBenchInstall | undefined;
let skipReason = layoutUnsupportedReason();
if (!skipReason) {
  try {
    kubeBench = findKubeBench();
  } catch (e) {
    skipReason = (e as Error).message;
  }
}
if (skipReason && required) throw new Error(`differential test required but cannot run: ${skipReason}`);
if (skipReason) console.warn(`differential test skipped: ${skipReason}`);

const FIXTURES = Object.keys(HOST_FIXTURES) as HostFixtureName[];
const results: ProfileComparison[] = [];

describe('namespace layout plan (no namespace needed)', () => {
  it('mounts each fixture path at the first directory below the system directories', () => {
    expect(mountPointOf('/var/lib/rancher/rke2/agent/kubelet.kubeconfig')).toBe('/var/lib/rancher');
    expect(mountPointOf('/etc/passwd')).toBe('/etc/passwd');
    expect(mountPointOf('/etc/kubernetes/ssl/kube-ca.pem')).toBe('/etc/kubernetes');
    expect(mountPointOf('/etc/systemd/system/kubelet.service.d/10-kubeadm.conf')).toBe('/etc/systemd/system/kubelet.service.d');
  });

  it('overlays the nearest existing parent of a missing mount point, before any bind mount', () => {
    const spec = HOST_FIXTURES['rke1-worker-hardened']();
    const hostHas = new Set(['/', '/etc', '/etc/passwd', '/etc/group', '/etc/hostname', '/var', '/var/lib', '/var/lib/kubelet']);
    const fixtureRoot = buildHostTree(spec, 'rke-harden-plan-');
    try {
      const ops = planMounts(spec, fixtureRoot, (p) => hostHas.has(p));
      const kinds = ops.map((o) => o.op);
      expect(ops.filter((o) => o.op === 'overlay').map((o) => o.target)).toEqual(['/etc', '/var/lib']);
      expect(kinds.lastIndexOf('overlay')).toBeLessThan(kinds.indexOf('bind'));
      expect(ops).toContainEqual({ op: 'mkdir', target: '/etc/kubernetes' });
      expect(ops).toContainEqual({ op: 'bind', source: path.join(fixtureRoot, 'etc/passwd'), target: '/etc/passwd' });
      // The host's own kubelet directory is hidden behind an empty tmpfs: the fixture has none.
      expect(ops).toContainEqual({ op: 'tmpfs', target: '/var/lib/kubelet' });
      expect(HERMETIC_DIRS).toContain('/var/lib/kubelet');
    } finally {
      removeHostTree(fixtureRoot);
    }
  });

  it('picks kube-bench targets as its own role detection does', () => {
    expect(kubeBenchTargets(HOST_FIXTURES['rke2-server-hardened']())).toEqual(['master', 'controlplane', 'etcd', 'node']);
    expect(kubeBenchTargets(HOST_FIXTURES['rke2-controlplane-only']())).toEqual(['master', 'controlplane', 'node']);
    expect(kubeBenchTargets(HOST_FIXTURES['rke2-agent']())).toEqual(['node']);
    expect(kubeBenchTargets(HOST_FIXTURES['rke1-worker-default']())).toEqual(['node']);
  });

  it('every allow-list entry states its reason and where the evidence is', () => {
    for (const e of ALLOW_LIST) {
      expect(e.reason.length, e.id).toBeGreaterThan(60);
      expect(e.links.length, e.id).toBeGreaterThan(0);
      if (e.kind === 'upstream-bug') expect(e.links.some((l) => l.startsWith('https://github.com/') || l.startsWith('docs/research/kube-bench.md')), e.id).toBe(true);
      expect(e.cases.length, e.id).toBeGreaterThan(0);
    }
    expect(new Set(ALLOW_LIST.map((e) => e.id)).size).toBe(ALLOW_LIST.length);
  });
});

describe.skipIf(!!skipReason)('kube-bench vs rke-harden on the node fixtures', () => {
  const hostBefore = Object.fromEntries([...HERMETIC_DIRS, '/etc/passwd'].map((d) => [d, fs.existsSync(d) ? fs.statSync(d).mtimeMs : -1]));

  it.each(FIXTURES)('%s: every disagreement is explained', async (fixture) => {
    const runs = await runDifferential({ kubeBench: kubeBench!, fixtures: [fixture] });
    results.push(...runs);
    const spec = HOST_FIXTURES[fixture]();
    expect(runs.map((r) => r.profile)).toEqual([...KUBE_BENCH_PROFILES[distroOf(spec)]]);
    for (const r of runs) {
      // kube-bench found the stand-ins: it ran every check of the targets it was asked for.
      const ran = r.controls.filter((c) => c.kubeBench !== 'NOT RUN');
      expect(ran.every((c) => c.kubeBench !== 'ABSENT'), `${fixture} ${r.profile}: kube-bench skipped a check`).toBe(true);
      expect(r.controls.length).toBeGreaterThan(90);
      const unexplained = r.controls
        .filter((c) => !c.agree && !explain(fixture, r.profile, c))
        .map((c) => `${c.id}: kube-bench ${c.kubeBench}, rke-harden ${c.ours} — kube-bench: ${(c.kubeBenchReason ?? c.kubeBenchActual ?? '').slice(0, 160)} — rke-harden: ${(c.oursReason ?? c.oursEvidence ?? '').slice(0, 160)}`);
      expect(unexplained, `${fixture} × ${r.profile}: unexplained disagreements`).toEqual([]);
      // A clear majority agrees; the rest is the allow-list.
      expect(r.controls.filter((c) => c.agree).length / r.controls.length).toBeGreaterThan(0.6);
    }
    const stale = staleCases(runs).map((s) => `${s.entry}: ${s.missing.join('; ')}`);
    expect(stale, `${fixture}: allow-list cases that no longer match`).toEqual([]);
  }, 900_000);

  it('the host outside the namespaces is untouched', () => {
    const after = Object.fromEntries(Object.keys(hostBefore).map((d) => [d, fs.existsSync(d) ? fs.statSync(d).mtimeMs : -1]));
    expect(after).toEqual(hostBefore);
  });

  it('every allow-list case was exercised', () => {
    if (results.length < FIXTURES.length) return; // a fixture failed above
    expect(staleCases(results)).toEqual([]);
    fs.mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, 'test-artifacts', 'differential.json'), JSON.stringify({ kubeBench: kubeBench!.version, results }, null, 2));
  });
});
