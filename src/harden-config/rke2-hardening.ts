import type { Document } from 'yaml';
import { fromPatchRelease } from '../config/rke2/version-range.js';
import { distroData } from '../engine/effective/distro-data.js';
import { cisProfileFor } from '../config/rke2/rke2-profiles.js';
import type { K8sVersion } from '../config/k8s-version.js';
import { lastArgValue, mergeList, upsertArgItem } from './arg-items.js';
import { admissionConfig, auditPolicy, etcdUserScript, kubeletCiphers, sysctlConf } from './companion-templates.js';
import type { HardeningContext } from './hardening-context.js';
import { deleteAt, setScalar, valueAt, type Path } from './yaml-edit.js';

export const AUDIT_POLICY = '/etc/rancher/rke2/audit-policy.yaml';
const ADMISSION = '/etc/rancher/rke2/rke-harden-admission.yaml';

/** RKE2 adds --service-account-extend-token-expiration=false itself in CIS mode from these releases (distros/rke2/defaults.yaml). */
function addsExtendTokenItself(v: K8sVersion): boolean {
  return fromPatchRelease(v, distroData<{ extendTokenExpirationFalseFrom: string[] }>('rke2/defaults.yaml').extendTokenExpirationFalseFrom);
}

/** Where a config.yaml key is edited: the document that decides its value, and the key's path in it. */
export interface Rke2Target {
  doc: Document;
  path: Path;
}

export interface Rke2Placement {
  at: (key: string) => Rke2Target;
  /** The items of a list key as RKE2 reads them across the layers (the winning list, then later `key+` appends). */
  effectiveItems: (key: string) => unknown[];
  /** Where those items are written: the winning list, then each later `key+` append. */
  layersOf: (key: string) => Rke2Target[];
  /** Pod Security Admission is set up outside config.yaml (Rancher's template): leave it alone. */
  psaElsewhere?: boolean;
  /**
   * A Rancher Cluster: its planner writes the value of `audit-policy-file` to a file as the policy itself
   * (its "file params"), so a path there is a policy kube-apiserver cannot load.
   */
  fileKeysAreContent?: boolean;
}

/**
 * RKE2's own layering: config.yaml, then config.yaml.d/*.yaml in name order, a later file replacing a
 * key (`key+` appends to it). A key is edited in the last file that sets it, where it wins; a new key
 * goes to config.yaml. An edit anywhere else would be overridden and the hardening silently lost.
 */
export function configFilesPlacement(files: Document[]): Rke2Placement {
  return layeredPlacement(files.map((doc) => ({ doc, path: [] })));
}

/**
 * Layers merged in order, a later one replacing a key (RKE2's drop-ins; Rancher's config maps) and,
 * with `appendKeys` (RKE2's own files), `key+` appending to it. Rancher drops `key+` keys: they count
 * there as absent.
 */
export function layeredPlacement(layers: { doc: Document; path: Path }[], appendKeys = true): Rke2Placement {
  const set = (l: { doc: Document; path: Path }, key: string) => (!appendKeys && key.endsWith('+') ? undefined : valueAt(l.doc, [...l.path, key]));
  const layersOf = (key: string): Rke2Target[] => {
    let found: Rke2Target[] = [];
    for (const l of layers) {
      if (set(l, key) !== undefined) found = [{ doc: l.doc, path: [...l.path, key] }];
      if (set(l, `${key}+`) !== undefined) found.push({ doc: l.doc, path: [...l.path, `${key}+`] });
    }
    return found;
  };
  return {
    at: (key) => {
      for (const l of [...layers].reverse()) {
        if (set(l, `${key}+`) !== undefined) return { doc: l.doc, path: [...l.path, `${key}+`] };
        if (set(l, key) !== undefined) return { doc: l.doc, path: [...l.path, key] };
      }
      return { doc: layers[0]!.doc, path: [...layers[0]!.path, key] };
    },
    layersOf,
    effectiveItems: (key) => layersOf(key).flatMap((t) => {
      const v = valueAt(t.doc, t.path);
      return Array.isArray(v) ? v : [v];
    }),
  };
}

/** Edit an RKE2 configuration (config.yaml and its drop-ins, or the RKE2 config inside a Rancher Cluster) into its hardened form for ctx.version. */
export function hardenRke2(ctx: HardeningContext, place: Rke2Placement): void {
  const v = ctx.version;
  const edit = editorOf(place);
  const { scalar, current, argItem } = edit;
  const profile = cisProfileFor(v);
  const currentProfile = current('profile');
  if (currentProfile !== profile) {
    if (currentProfile !== undefined) ctx.notes.push(`profile: ${String(currentProfile)} → ${profile} (the value RKE2 ${v.text} accepts for CIS mode)`);
    scalar('profile', profile);
  }
  const protect = current('protect-kernel-defaults');
  if (v.minor <= 24) scalar('protect-kernel-defaults', true);
  else if (protect !== undefined && String(protect).toLowerCase() === 'false') {
    // From v1.25 the CIS profile sets it itself and refuses to start with an explicit false.
    ctx.notes.push('protect-kernel-defaults: false → true (RKE2 refuses to start with false and profile cis)');
    scalar('protect-kernel-defaults', true);
  }

  // An agent gets the node's part only: `rke2 agent` ignores the control plane's settings (with warnings).
  if (ctx.role === 'server') hardenControlPlane(ctx, place, edit);
  argItem('kubelet-arg', 'tls-cipher-suites', kubeletCiphers(lastArgValue(place.effectiveItems('kubelet-arg'), 'tls-cipher-suites'), ctx.kubeletCiphersAllowed));
  ctx.companions.push({ nodePath: '/etc/sysctl.d/60-rke2-cis.conf', text: sysctlConf(), mode: 0o644, purpose: 'kernel parameters RKE2 checks in CIS mode (apply with sysctl --system)' });
  if (ctx.role === 'server') ctx.companions.push({ nodePath: '/usr/local/sbin/rke-harden-etcd-user.sh', text: etcdUserScript('rke2'), mode: 0o755, purpose: 'creates the etcd user and group RKE2 requires on servers in CIS mode' });
}

type Rke2Editor = ReturnType<typeof editorOf>;

/** Reads and edits of config.yaml keys, each where its value wins (see Rke2Placement). */
function editorOf(place: Rke2Placement) {
  return {
    scalar: (key: string, value: string | boolean) => {
      const t = place.at(key);
      setScalar(t.doc, t.path, value);
    },
    remove: (key: string) => {
      const t = place.at(key);
      deleteAt(t.doc, t.path);
    },
    current: (key: string): unknown => {
      const t = place.at(key);
      return valueAt(t.doc, t.path);
    },
    argItem: (key: string, flag: string, value: string, merge = false) => {
      const t = place.at(key);
      // A comma list is merged with the value RKE2 reads across all layers, not just the winning list's.
      const effective = merge ? lastArgValue(place.effectiveItems(key), flag) : undefined;
      upsertArgItem(t.doc, t.path, flag, effective !== undefined ? mergeList(effective, value) : value, merge);
    },
  };
}

/** The server's part: audit policy, admission configuration, kube-apiserver flags. */
function hardenControlPlane(ctx: HardeningContext, place: Rke2Placement, { scalar, current, argItem, remove }: Rke2Editor): void {
  const v = ctx.version;
  // A path we chose on an earlier run is ours: its file is written again (hardening is idempotent), unless
  // a policy of the user's is there already. kube-apiserver's own --audit-policy-file replaces RKE2's.
  let auditPolicyFile = current('audit-policy-file');
  if (place.fileKeysAreContent && typeof auditPolicyFile === 'string' && !auditPolicyFile.includes('\n')) {
    // A path where Rancher wants the policy itself: ours (RKE2's own path in CIS mode, where Rancher
    // delivers the file) goes; the user's is passed as the flag it was meant to be.
    remove('audit-policy-file');
    if (auditPolicyFile !== AUDIT_POLICY) {
      argItem('kube-apiserver-arg', 'audit-policy-file', auditPolicyFile);
      ctx.notes.push(`audit-policy-file: ${auditPolicyFile} → kube-apiserver-arg audit-policy-file=${auditPolicyFile}: Rancher writes the value of audit-policy-file as the policy file itself, so a path there is a policy kube-apiserver cannot load`);
    }
    auditPolicyFile = undefined;
  }
  const ownAuditArg = lastArgValue(place.effectiveItems('kube-apiserver-arg'), 'audit-policy-file');
  if (ownAuditArg !== undefined) {
    ctx.notes.push(`kube-apiserver-arg audit-policy-file=${ownAuditArg} is yours and kept: it decides what is logged (CIS 3.2.1)`);
  } else if (auditPolicyFile === undefined || auditPolicyFile === AUDIT_POLICY) {
    // In CIS mode RKE2 reads its policy at AUDIT_POLICY without the key (a Rancher Cluster must not name it).
    if (!place.fileKeysAreContent) scalar('audit-policy-file', AUDIT_POLICY);
    const existing = ctx.existingFile(AUDIT_POLICY);
    if (existing !== undefined && existing !== auditPolicy()) ctx.notes.push(`${AUDIT_POLICY} is yours and kept (found beside the configuration): it decides what is logged (CIS 3.2.1)`);
    else ctx.companions.push({ nodePath: AUDIT_POLICY, text: auditPolicy(), mode: 0o600, purpose: 'audit policy (CIS 3.2.1): RKE2 would otherwise write one that logs nothing' });
  }
  if (v.minor >= 25 && !place.psaElsewhere) {
    const admissionFile = current('pod-security-admission-config-file');
    // kube-apiserver's own --admission-control-config-file replaces the one RKE2 writes from ours.
    const ownAdmission = lastArgValue(place.effectiveItems('kube-apiserver-arg'), 'admission-control-config-file');
    if (ownAdmission !== undefined) {
      ctx.notes.push(`kube-apiserver-arg admission-control-config-file=${ownAdmission} is yours and replaces RKE2's admission configuration: give it PodSecurity (CIS 5.2) and EventRateLimit (CIS 1.2.9) configurations and add EventRateLimit to enable-admission-plugins`);
    } else if (admissionFile === undefined || admissionFile === ADMISSION) {
      scalar('pod-security-admission-config-file', ADMISSION);
      ctx.companions.push({ nodePath: ADMISSION, text: admissionConfig({ psa: ctx.psa, exemptNamespaces: ctx.exemptNamespaces, minor: v.minor }), mode: 0o600, purpose: `Pod Security Admission ${ctx.psa} with ${ctx.exemptNamespaces.length} exempt namespaces, and EventRateLimit limits` });
      argItem('kube-apiserver-arg', 'enable-admission-plugins', 'NodeRestriction,EventRateLimit', true);
    } else {
      ctx.notes.push('pod-security-admission-config-file is yours: add an EventRateLimit configuration to it and EventRateLimit to enable-admission-plugins for CIS 1.2.9');
    }
  }
  if (ctx.checks.has('apiserver-service-account-extend-token-expiration-disabled') && !addsExtendTokenItself(v)) {
    argItem('kube-apiserver-arg', 'service-account-extend-token-expiration', 'false');
  }
}
