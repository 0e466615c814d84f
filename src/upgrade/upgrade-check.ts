import type { Benchmark } from '../model/benchmark.js';
import { formatLocation, type FactSnapshot } from '../model/fact.js';
import { loadCatalog, type Catalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { assertDistroRelease, compareVersions, parseK8sVersion, type K8sVersion } from '../config/k8s-version.js';
import { configVersion } from '../config/config-version.js';
import { rke1LastMinor } from '../config/rke1/rke1-version.js';
import { readYamlDocuments } from '../config/read-yaml-file.js';
import { loadConfigTargets, oneClusterDocument, targetsOfCluster } from '../config/load-config-targets.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { inputError, usageError } from '../errors/rke-harden-error.js';
import { exemptionList } from '../collectors/cluster/namespace-exemptions.js';
import { acceptedProfiles, cisProfileFor } from '../config/rke2/rke2-profiles.js';
import { detectDistro } from '../collectors/cluster/detect-distro.js';
import { removedUpstream } from './removed-upstream.js';
import type { UpgradeFinding } from './upgrade-finding.js';
import { listOf } from '../engine/operators.js';

export interface ControlChange {
  /** `changed`: the same control (number and title) tested by another check: what passes may change. */
  kind: 'added' | 'removed' | 'renumbered' | 'changed';
  checkId?: string;
  /** The check a `changed` control had before. */
  fromCheckId?: string;
  title: string;
  from?: string;
  to?: string;
}

export interface UpgradeReport {
  distro: 'rke1' | 'rke2';
  from: string;
  to: string;
  benchmarkBefore: string;
  benchmarkAfter: string;
  controls: ControlChange[];
  findings: UpgradeFinding[];
  /** Controls that pass on the current version and fail on the target, for the given configuration, per target of it. */
  newFailures: { controlId: string; title: string; checkId?: string; target: string; fix?: string }[];
  blocking: boolean;
  /** What reading the configuration found to say (a key given twice, read as its last), as `audit config` says it. */
  warnings: string[];
}

const key = (c: Benchmark['controls'][number]) => c.check ?? `title:${c.title.toLowerCase()}`;

/**
 * Controls added, removed or renumbered between two benchmarks, matched by check (or title). A control
 * kept with its number and title but given another check (CIS 1.12's cipher list) is one change, not
 * an addition and a removal of the same control.
 */
export function controlChanges(before: Benchmark, after: Benchmark): ControlChange[] {
  const a = new Map(before.controls.map((c) => [key(c), c]));
  const b = new Map(after.controls.map((c) => [key(c), c]));
  const gone = before.controls.filter((c) => !b.has(key(c)));
  // A control gone under its old check that comes back under its number and title with another one.
  const changed = new Set<Benchmark['controls'][number]>();
  const out: ControlChange[] = [];
  for (const [k, c] of b) {
    const old = a.get(k);
    const was = old ? undefined : gone.find((g) => g.id === c.id && g.title === c.title);
    if (was) {
      changed.add(was);
      out.push({ kind: 'changed', title: c.title, from: was.id, to: c.id, ...(c.check ? { checkId: c.check } : {}), ...(was.check ? { fromCheckId: was.check } : {}) });
    } else if (!old) out.push({ kind: 'added', title: c.title, to: c.id, ...(c.check ? { checkId: c.check } : {}) });
    else if (old.id !== c.id) out.push({ kind: 'renumbered', title: c.title, from: old.id, to: c.id, ...(c.check ? { checkId: c.check } : {}) });
  }
  for (const c of gone) if (!changed.has(c)) out.push({ kind: 'removed', title: c.title, from: c.id, ...(c.check ? { checkId: c.check } : {}) });
  return out;
}

function rke2Findings(target: FactSnapshot, from: K8sVersion, to: K8sVersion): UpgradeFinding[] {
  const findings: UpgradeFinding[] = [];
  const profile = target.facts['rke2.profile'];
  if (profile) {
    const accepted = acceptedProfiles(to);
    const where = profile.location ? { where: profile.location } : {};
    if (!accepted) {
      findings.push({ severity: 'warning', what: `RKE2 ${to.text} is newer than this rke-harden knows: whether it accepts profile: ${String(profile.value)} is unknown`, ...where, fix: 'read the RKE2 release notes for the profile values it accepts' });
    } else if (!accepted.includes(String(profile.value))) {
      const next = cisProfileFor(to);
      // The value the target needs may be one today's release refuses: then it changes with the upgrade, node by node.
      const now = acceptedProfiles(from)?.includes(next) ?? false;
      findings.push({
        severity: 'blocking', what: `profile: ${String(profile.value)} is rejected by RKE2 ${to.text}: the server will not start`, ...where,
        fix: now ? `set profile: ${next} on every node before upgrading` : `set profile: ${next} in each node's config.yaml as that node is upgraded to ${to.text} (RKE2 ${from.text} rejects it, so not before)`,
      });
    } else if (profile.value === 'cis-1.23' && to.minor >= 26) {
      findings.push({ severity: 'warning', what: 'profile: cis-1.23 is deprecated and becomes fatal on RKE2 v1.30', ...where, fix: 'set profile: cis' });
    }
  }
  if (to.minor >= 25) findings.push(...pspTemplate(target, 'defaultPodSecurityPolicyTemplateName', 'remove it and set defaultPodSecurityAdmissionConfigurationTemplateName: rancher-restricted (Pod Security Admission) before upgrading'));
  // Exemption renamed by RKE2 (cis-operator-system → compliance-operator-system).
  const exempt = target.facts['admission.PodSecurity.exemptions.namespaces'];
  const builtIn = exemptionList('rke2', to.text).namespaces;
  if (exempt && exempt.source !== 'default' && Array.isArray(exempt.value)) {
    const mine = exempt.value.map(String);
    if (mine.includes('cis-operator-system') && !mine.includes('compliance-operator-system') && builtIn.includes('compliance-operator-system')) {
      findings.push({ severity: 'warning', what: 'your PSA exemptions list cis-operator-system; on the target the scan operator runs in compliance-operator-system (Rancher Compliance)', ...(exempt.location ? { where: exempt.location } : {}), fix: 'add compliance-operator-system to the exemptions' });
    }
  }
  return findings;
}

/** A Rancher cluster's PodSecurityPolicy template (named `field` in its file): PSP is gone from 1.25, and Rancher refuses it there. */
function pspTemplate(target: FactSnapshot, field: string, fix: string): UpgradeFinding[] {
  const psp = target.facts['rancher.podSecurityPolicyTemplate'];
  if (!psp) return [];
  return [{ severity: 'blocking', what: `${field}: ${String(psp.value)} names a PodSecurityPolicy template, and PodSecurityPolicy was removed in Kubernetes 1.25`, ...(psp.location ? { where: psp.location } : {}), fix }];
}

function rke1Findings(target: FactSnapshot, to: K8sVersion): UpgradeFinding[] {
  const findings: UpgradeFinding[] = [];
  const psp = target.facts['kube-apiserver.args.runtime-config'];
  if (to.minor >= 25 && psp && String(psp.value).includes('podsecuritypolicy')) {
    findings.push({ severity: 'blocking', what: `services.kube-api.pod_security_policy: true is rejected by RKE ≥ v1.4.3 on Kubernetes ≥ 1.25 (PodSecurityPolicy was removed)`, ...(psp.location ? { where: psp.location } : {}), fix: 'set pod_security_policy: false and configure Pod Security Admission (pod_security_configuration: restricted or admission_configuration) before upgrading' });
  }
  if (to.minor < 25) return findings;
  const objects = target.facts['rke1.addons.podSecurityPolicyObjects'];
  if (objects) {
    findings.push({ severity: 'blocking', what: `addons hold ${listOf(objects.value).join(', ')}: the policy/v1beta1 API is gone in Kubernetes 1.25 and RKE's addon job fails on them`, ...(objects.location ? { where: objects.location } : {}), fix: 'remove them from addons (rke-harden harden config --distro rke1 --from <cluster.yml> does) after Pod Security Admission is in place' });
  }
  findings.push(...pspTemplate(target, 'default_pod_security_policy_template_id', 'remove it and set up Pod Security Admission before upgrading: default_pod_security_admission_configuration_template_name: rancher-restricted (Rancher v2.7.2 and later) or services.kube-api.admission_configuration'));
  return findings;
}

/**
 * Kubernetes upgrades one minor at a time (version skew policy). RKE2's upgrade docs require a plan
 * that does not skip minors; RKE1's ask to avoid it (rke up will try). Each step is its own check.
 */
function skippedMinors(distro: 'rke1' | 'rke2', from: K8sVersion, to: K8sVersion): UpgradeFinding[] {
  if (to.minor - from.minor <= 1) return [];
  const steps = Array.from({ length: to.minor - from.minor - 1 }, (_, i) => `1.${from.minor + i + 1}`);
  return [{
    severity: distro === 'rke2' ? 'blocking' : 'warning',
    what: `1.${from.minor} → 1.${to.minor} skips ${steps.join(', ')}: Kubernetes supports upgrading one minor version at a time${distro === 'rke2' ? ' (RKE2: "ensure that your plan does not skip intermediate minor versions")' : ' (RKE: "avoid skipping minor versions")'}`,
    fix: `upgrade through ${steps.map((m) => `the latest ${m}`).join(', then ')} first, and run upgrade-check for each step`,
  }];
}

/**
 * The version upgraded from: --from, or the version the configuration names (RKE1 kubernetes_version,
 * Rancher spec.kubernetesVersion), read as `audit config` reads the file (a repeated key as its last
 * occurrence, a Cluster among its objects). When both are given they must agree: the file is what runs today.
 */
function currentVersion(given: string | undefined, config: string | undefined, distro: 'rke1' | 'rke2' | undefined, cluster: string | undefined): { from: K8sVersion; warnings: string[] } {
  const pick = { ...(cluster !== undefined ? { name: cluster } : {}), choose: 'pass --cluster NAME to check one of them' };
  const y = config ? oneClusterDocument(config, readYamlDocuments(config, 'lastWins'), distro ? { distro } : {}, 'upgrade-check reads', pick) : undefined;
  const named = y ? configVersion(y) : undefined;
  if (!given && !named) throw usageError(`upgrade-check: --from is required${config ? ` (${config} names no version)` : ''}`);
  const from = given ? parseK8sVersion(given, '--from') : parseK8sVersion(named!.text, named!.where);
  if (given && named && compareVersions(parseK8sVersion(named.text, named.where), from) !== 0) {
    throw inputError(`${named.where} ${named.text} is what runs today, not --from ${given}: make them agree, or leave --from out`);
  }
  return { from, warnings: y?.warnings ?? [] };
}

/** What changes for a cluster moving from one version to another, and what in its configuration breaks. */
export function upgradeCheck(o: { distro?: 'rke1' | 'rke2'; from?: string; to: string; config?: string; cluster?: string; benchmarkFrom?: string; benchmarkTo?: string }, catalog: Catalog = loadCatalog()): UpgradeReport {
  if (o.cluster !== undefined && !o.config) throw usageError('upgrade-check --cluster: needs a config file (of several Rancher Clusters)');
  const { from, warnings } = currentVersion(o.from, o.config, o.distro, o.cluster);
  const to = parseK8sVersion(o.to, '--to');
  if (compareVersions(to, from) < 0) throw inputError(`--to ${o.to} is older than ${o.from ? `--from ${o.from}` : `the current ${from.text}`}: Kubernetes does not support downgrades`);
  let distro = o.distro;
  // Every target of the file: a Rancher Cluster's machines selected by machineSelectorConfig run their own settings.
  let before: FactSnapshot[] = [];
  let after: FactSnapshot[] = [];
  // The targets of the Cluster checked when the file holds several.
  const ofCluster = (snaps: FactSnapshot[]) => (o.cluster === undefined ? snaps : targetsOfCluster(snaps, o.config!, o.cluster));
  if (o.config) {
    before = ofCluster(loadConfigTargets([o.config], { ...(distro ? { distro } : {}), k8sVersion: from.text, overrideVersion: true }).snapshots);
    distro = before[0]!.distro;
  }
  // Release versions name their distro (v1.31.4+rke2r1, v1.28.15-rancher1-1); assertDistroRelease below checks both agree.
  distro ??= detectDistro(to.text) ?? (o.from ? detectDistro(from.text) : undefined);
  if (!distro) throw inputError('upgrade-check: pass --distro or a configuration file (the versions name no distro)');
  assertDistroRelease(from, distro, o.from ? '--from' : `${o.config}: version`);
  assertDistroRelease(to, distro, '--to');
  if (distro === 'rke1' && to.minor > rke1LastMinor()) return blockedRke1(from, to, catalog);
  if (o.config) after = ofCluster(loadConfigTargets([o.config], { distro, k8sVersion: to.text, overrideVersion: true }).snapshots);
  const covering = (v: K8sVersion, what: string) => {
    try {
      return selectBenchmark(catalog, distro, v.text);
    } catch {
      throw inputError(`${what} ${v.text}: no ${distro.toUpperCase()} CIS profile covers this version`);
    }
  };
  const bBefore = o.benchmarkFrom ? resolveBenchmarkId(catalog, o.benchmarkFrom) : covering(from, '--from');
  const bAfter = o.benchmarkTo ? resolveBenchmarkId(catalog, o.benchmarkTo) : covering(to, '--to');
  const findings: UpgradeFinding[] = [];
  const newFailures: UpgradeReport['newFailures'] = [];
  const at = (f: UpgradeFinding) => (f.where ? formatLocation(f.where) : undefined);
  // A setting several targets share (machineGlobalConfig) is one finding, said once.
  const said = new Set<string>();
  const add = (f: UpgradeFinding) => {
    const k = `${f.severity} ${f.what} ${at(f) ?? ''}`;
    if (!said.has(k)) findings.push(f);
    said.add(k);
  };
  after.forEach((target, i) => {
    // A setting the distro's own finding names (RKE1 pod_security_policy) is not reported twice.
    const own = distro === 'rke2' ? rke2Findings(target, from, to) : rke1Findings(target, to);
    const named = new Set(own.map(at).filter(Boolean));
    removedUpstream(target, from.minor, to.minor).filter((f) => !named.has(at(f))).forEach(add);
    own.forEach(add);
    const passedBefore = new Set(evaluateBenchmark(bBefore, catalog.checks, before[i]!).filter((r) => r.status === 'pass').map((r) => r.checkId));
    for (const r of evaluateBenchmark(bAfter, catalog.checks, target)) {
      if (r.status === 'fail' && r.checkId && passedBefore.has(r.checkId)) newFailures.push({ controlId: r.controlId, title: r.title, checkId: r.checkId, target: target.target.name, ...(r.remediation ? { fix: r.remediation } : {}) });
    }
  });
  findings.push(...skippedMinors(distro, from, to));
  return {
    distro, from: from.text, to: to.text, benchmarkBefore: bBefore.id, benchmarkAfter: bAfter.id,
    controls: controlChanges(bBefore, bAfter), findings, newFailures,
    blocking: findings.some((f) => f.severity === 'blocking'),
    warnings,
  };
}

function blockedRke1(from: K8sVersion, to: K8sVersion, catalog: Catalog): UpgradeReport {
  const b = selectBenchmark(catalog, 'rke1', from.text);
  return {
    distro: 'rke1', from: from.text, to: to.text, benchmarkBefore: b.id, benchmarkAfter: b.id, controls: [], newFailures: [], blocking: true, warnings: [],
    findings: [{ severity: 'blocking', what: `RKE1 does not support Kubernetes ${to.text} (its last minor is 1.${rke1LastMinor()}; RKE1 reached end of life in July 2025)`, fix: 'migrate to RKE2 (rke-harden harden config --distro rke2 generates the hardened config.yaml)' }],
  };
}
