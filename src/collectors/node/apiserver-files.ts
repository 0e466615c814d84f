import path from 'node:path';
import type { Fact } from '../../model/fact.js';
import { isMap, readHostYaml, scalarText } from './host-yaml.js';
import type { HostFs } from './ports.js';

/** Facts read from the files kube-apiserver's flags name; `errors` by key prefix. */
export interface ApiServerFileFacts {
  facts: Fact[];
  errors: Record<string, string>;
  warnings: string[];
}

const empty = (): ApiServerFileFacts => ({ facts: [], errors: {}, warnings: [] });

/**
 * `audit.policy.present`: "true" when --audit-policy-file names a parseable audit Policy on the
 * host, "false" when the flag is unset or the file does not exist; a file that cannot be read or
 * parsed is an error, never "false".
 */
export function auditPolicyFacts(fs: HostFs, policyFile: string | undefined): ApiServerFileFacts {
  const out = empty();
  const key = 'audit.policy.present';
  if (policyFile === undefined || policyFile === '') {
    out.facts.push({ key, value: 'false', source: 'process', layer: 'kube-apiserver has no --audit-policy-file' });
    return out;
  }
  const read = readHostYaml(fs, policyFile);
  if (read.kind === 'missing') {
    out.facts.push({ key, value: 'false', source: 'file', layer: `no file at --audit-policy-file ${policyFile}`, location: { file: policyFile } });
    return out;
  }
  if (read.kind === 'error') {
    out.errors['audit.policy'] = read.reason;
    return out;
  }
  const doc = read.y.value;
  if (!isMap(doc) || (doc.kind !== undefined && doc.kind !== 'Policy')) {
    out.errors['audit.policy'] = `${policyFile}: not an audit Policy (kind ${isMap(doc) ? String(doc.kind) : typeof doc})`;
    return out;
  }
  const rules = Array.isArray(doc.rules) ? doc.rules : [];
  out.facts.push({ key, value: 'true', source: 'file', layer: `audit policy ${policyFile}`, location: read.y.locate(['rules']) });
  if (rules.length === 0 || rules.every((r) => isMap(r) && r.level === 'None')) {
    out.warnings.push(`${policyFile}: the audit policy logs nothing (${rules.length === 0 ? 'no rules' : 'every rule is level None'}; RKE2 writes such a policy when none exists): review CIS 3.2.2`);
  }
  return out;
}

/** Whether an EncryptionConfiguration entry's resources cover Secrets (by name or by wildcard, Kubernetes 1.27+). */
export function coversSecrets(resources: unknown): boolean {
  if (!Array.isArray(resources)) return false;
  return resources.some((r) => r === 'secrets' || r === '*.*' || r === '*.' || r === 'secrets.');
}

/**
 * `encryption.providers` (names in order, the first one writes) and `encryption.provider.first`
 * for Secrets from --encryption-provider-config. Only provider *names* are read: keys and KMS
 * settings never become facts.
 */
export function encryptionFacts(fs: HostFs, configFile: string | undefined): ApiServerFileFacts {
  const out = empty();
  if (configFile === undefined || configFile === '') return out;
  const read = readHostYaml(fs, configFile);
  if (read.kind === 'missing') {
    out.errors.encryption = `${configFile}: --encryption-provider-config names a file that does not exist on the host: providers unknown`;
    return out;
  }
  if (read.kind === 'error') {
    out.errors.encryption = read.reason;
    return out;
  }
  const doc = read.y.value;
  const entries = isMap(doc) && Array.isArray(doc.resources) ? doc.resources : undefined;
  if (!isMap(doc) || !entries) {
    out.errors.encryption = `${configFile}: not an EncryptionConfiguration (no resources list)`;
    return out;
  }
  const index = entries.findIndex((e) => isMap(e) && coversSecrets(e.resources));
  const layer = `encryption configuration ${configFile}`;
  if (index < 0) {
    // Secrets are not listed: the API server stores them with the identity "provider" (plain text).
    out.facts.push({ key: 'encryption.providers', value: ['identity'], source: 'file', layer: `${layer} (no entry covers secrets)`, location: read.y.locate(['resources']) });
    out.facts.push({ key: 'encryption.provider.first', value: 'identity', source: 'file', layer: `${layer} (no entry covers secrets)`, location: read.y.locate(['resources']) });
    return out;
  }
  const providers = (entries[index] as Record<string, unknown>).providers;
  const names = Array.isArray(providers) ? providers.flatMap((p) => (isMap(p) ? Object.keys(p).slice(0, 1) : [])) : [];
  if (names.length === 0) {
    out.errors.encryption = `${configFile}: the entry for secrets lists no providers`;
    return out;
  }
  const location = read.y.locate(['resources', index, 'providers']);
  out.facts.push({ key: 'encryption.providers', value: names, source: 'file', layer, location });
  out.facts.push({ key: 'encryption.provider.first', value: names[0]!, source: 'file', layer, location });
  return out;
}

/**
 * Admission plugin configuration from --admission-control-config-file: the PodSecurity defaults and
 * exemptions (inline `configuration` or a `path` file) and whether EventRateLimit is configured.
 */
export function admissionFacts(fs: HostFs, configFile: string | undefined): ApiServerFileFacts {
  const out = empty();
  const erl = 'admission.EventRateLimit.configured';
  if (configFile === undefined || configFile === '') {
    out.facts.push({ key: erl, value: 'false', source: 'process', layer: 'kube-apiserver has no --admission-control-config-file' });
    return out;
  }
  const read = readHostYaml(fs, configFile);
  if (read.kind === 'missing') {
    out.errors.admission = `${configFile}: --admission-control-config-file names a file that does not exist on the host: admission configuration unknown`;
    return out;
  }
  if (read.kind === 'error') {
    out.errors.admission = read.reason;
    return out;
  }
  const doc = read.y.value;
  if (!isMap(doc)) {
    out.errors.admission = `${configFile}: not an AdmissionConfiguration`;
    return out;
  }
  const plugins = Array.isArray(doc.plugins) ? doc.plugins : [];
  const layer = `admission configuration ${configFile}`;
  const find = (name: string) => plugins.findIndex((p) => isMap(p) && p.name === name);

  // EventRateLimit: configured when its entry carries a configuration or a readable path.
  const e = find('EventRateLimit');
  if (e < 0) {
    out.facts.push({ key: erl, value: 'false', source: 'file', layer: `${layer} (no EventRateLimit entry)`, location: read.y.locate(['plugins']) });
  } else {
    const entry = plugins[e] as Record<string, unknown>;
    const p = scalarText(entry.path);
    if (isMap(entry.configuration)) {
      out.facts.push({ key: erl, value: 'true', source: 'file', layer, location: read.y.locate(['plugins', e]) });
    } else if (p) {
      const target = path.posix.isAbsolute(p) ? p : path.posix.join(path.posix.dirname(configFile), p);
      const sub = readHostYaml(fs, target);
      if (sub.kind === 'ok') out.facts.push({ key: erl, value: 'true', source: 'file', layer: `${layer} → ${target}`, location: { file: target } });
      else if (sub.kind === 'missing') out.errors['admission.EventRateLimit'] = `${target}: EventRateLimit configuration path does not exist on the host`;
      else out.errors['admission.EventRateLimit'] = sub.reason;
    } else {
      out.facts.push({ key: erl, value: 'false', source: 'file', layer: `${layer} (EventRateLimit entry without configuration)`, location: read.y.locate(['plugins', e]) });
    }
  }

  // PodSecurity: without an entry the plugin runs with its built-in defaults (privileged, no exemptions).
  const i = find('PodSecurity');
  let psa: Record<string, unknown> | undefined;
  let psaFile = configFile;
  let psaAt: (string | number)[] = [];
  let locate = (at: (string | number)[]) => read.y.locate(at);
  if (i >= 0) {
    const entry = plugins[i] as Record<string, unknown>;
    const p = scalarText(entry.path);
    if (isMap(entry.configuration)) {
      psa = entry.configuration;
      psaAt = ['plugins', i, 'configuration'];
    } else if (p) {
      psaFile = path.posix.isAbsolute(p) ? p : path.posix.join(path.posix.dirname(configFile), p);
      const sub = readHostYaml(fs, psaFile);
      if (sub.kind !== 'ok') {
        out.errors['admission.PodSecurity'] = sub.kind === 'missing' ? `${psaFile}: PodSecurity configuration path does not exist on the host` : sub.reason;
        return out;
      }
      if (!isMap(sub.y.value)) {
        out.errors['admission.PodSecurity'] = `${psaFile}: not a PodSecurityConfiguration`;
        return out;
      }
      psa = sub.y.value;
      const y = sub.y;
      locate = (at) => y.locate(at);
    }
  }
  const psaLayer = psa ? `PodSecurity configuration in ${psaFile}` : `${layer} (no PodSecurity configuration: built-in defaults)`;
  const defaults = psa && isMap(psa.defaults) ? psa.defaults : undefined;
  const enforce = scalarText(defaults?.enforce);
  out.facts.push({
    key: 'admission.PodSecurity.defaults.enforce',
    value: enforce ?? 'privileged',
    source: enforce ? 'file' : 'default',
    layer: enforce ? psaLayer : `${psaLayer}: enforce not set, PodSecurity defaults to privileged`,
    location: enforce ? locate([...psaAt, 'defaults', 'enforce']) : { file: psaFile },
  });
  const exemptions = psa && isMap(psa.exemptions) && Array.isArray(psa.exemptions.namespaces) ? psa.exemptions.namespaces.map((n) => scalarText(n) ?? '').filter(Boolean) : [];
  out.facts.push({
    key: 'admission.PodSecurity.exemptions.namespaces',
    value: exemptions,
    source: psa ? 'file' : 'default',
    layer: psaLayer,
    location: psa ? locate([...psaAt, 'exemptions', 'namespaces']) : { file: psaFile },
  });
  out.facts.push({ key: 'admission.PodSecurity.configured', value: psa ? 'true' : 'false', source: 'file', layer: psaLayer, location: { file: psaFile } });
  return out;
}
