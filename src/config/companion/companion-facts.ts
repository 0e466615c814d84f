import { parse } from 'yaml';
import type { Fact, FactSource, Location } from '../../model/fact.js';
import { isRecord } from '../yaml-access.js';

/**
 * Facts from the files kube-apiserver flags point at: audit policy, admission configuration and
 * encryption configuration. Pure: callers read the text (a node's file, a Rancher inline value, a file
 * next to a config). Secrets (encryption keys) are never copied into facts.
 */
export interface CompanionSource {
  text: string;
  source: FactSource;
  layer: string;
  location?: Location;
}

const fact = (key: string, value: Fact['value'], s: CompanionSource): Fact => ({
  key, value, source: s.source, layer: s.layer, ...(s.location ? { location: s.location } : {}),
});

function parseDoc(s: CompanionSource): unknown {
  try {
    return parse(s.text, { maxAliasCount: 100 });
  } catch {
    return undefined;
  }
}

/** audit.policy.present: "true" when the policy has at least one rule that records (level other than None). */
export function auditPolicyFacts(s: CompanionSource): Fact[] {
  const doc = parseDoc(s);
  const rules = isRecord(doc) && Array.isArray(doc.rules) ? doc.rules : [];
  const records = rules.some((r) => isRecord(r) && typeof r.level === 'string' && r.level !== 'None');
  return [fact('audit.policy.present', records ? 'true' : 'false', { ...s, layer: records ? s.layer : `${s.layer} (no rule records anything: level None)` })];
}

/** PodSecurity defaults/exemptions and whether EventRateLimit is configured, from an AdmissionConfiguration. */
export function admissionConfigFacts(s: CompanionSource): Fact[] {
  const doc = parseDoc(s);
  const plugins = isRecord(doc) && Array.isArray(doc.plugins) ? doc.plugins.filter(isRecord) : [];
  const facts: Fact[] = [fact('admission.EventRateLimit.configured', plugins.some((p) => p.name === 'EventRateLimit') ? 'true' : 'false', s)];
  const psa = plugins.find((p) => p.name === 'PodSecurity');
  // A PodSecurity entry may carry the configuration inline or point at a file (path): only inline is readable here.
  const conf = isRecord(psa?.configuration) ? psa.configuration : undefined;
  if (conf) {
    const defaults = isRecord(conf.defaults) ? conf.defaults : {};
    const exemptions = isRecord(conf.exemptions) ? conf.exemptions : {};
    facts.push(fact('admission.PodSecurity.defaults.enforce', typeof defaults.enforce === 'string' ? defaults.enforce : 'privileged', s));
    facts.push(fact('admission.PodSecurity.exemptions.namespaces', Array.isArray(exemptions.namespaces) ? exemptions.namespaces.map(String) : [], s));
  }
  return facts;
}

/** The providers for secrets, in order (the first one encrypts new writes). */
export function encryptionConfigFacts(s: CompanionSource): Fact[] {
  const doc = parseDoc(s);
  const resources = isRecord(doc) && Array.isArray(doc.resources) ? doc.resources.filter(isRecord) : [];
  const forSecrets = resources.find((r) => Array.isArray(r.resources) && r.resources.some((x) => x === 'secrets' || x === '*.*' || x === '*.'));
  const providers = Array.isArray(forSecrets?.providers) ? forSecrets.providers.flatMap((p) => (isRecord(p) ? Object.keys(p) : [])) : [];
  return [
    fact('encryption.providers', providers, s),
    ...(providers[0] ? [fact('encryption.provider.first', providers[0], s)] : []),
  ];
}
