import type { Fact } from '../../model/fact.js';
import type { ArgMap } from '../../engine/effective/arg-map.js';
import { YamlAccess, isRecord, type YamlPath } from '../yaml-access.js';

/** RKE's built-in restricted policy exempts only these namespaces (cluster/plan.go). */
const RKE_RESTRICTED_EXEMPT = ['ingress-nginx', 'kube-system'];

/**
 * Facts about /etc/kubernetes/admission.yaml as RKE (>= 1.4) writes it: only the PodSecurity and
 * EventRateLimit entries of admission_configuration reach the file. A user-supplied
 * admission-control-config-file replaces it: its contents are not in cluster.yml, so no facts.
 */
export function admissionFacts(a: YamlAccess, api: YamlPath, args: ArgMap, minor: number, warnings: string[]): Fact[] {
  if (args.get('admission-control-config-file') !== '/etc/kubernetes/admission.yaml') {
    warnings.push(`${a.where([...api, 'extra_args', 'admission-control-config-file'])}: admission-control-config-file points at ${args.get('admission-control-config-file') ?? '(nothing)'}, a file cluster.yml does not contain: PodSecurity and EventRateLimit settings are decided on the node`);
    return [];
  }
  const facts: Fact[] = [];
  const plugins = a.list([...api, 'admission_configuration', 'plugins']) ?? [];
  const entry = (name: string) => {
    const i = plugins.findIndex((p) => isRecord(p) && p.name === name);
    return i < 0 ? undefined : ([...api, 'admission_configuration', 'plugins', i] as YamlPath);
  };
  const ack = (key: string, value: Fact['value'], layer: string, path?: YamlPath): Fact => ({
    key, value, layer, source: path ? 'config' : 'default', ...(path ? { location: a.locate(path) } : {}),
  });

  // EventRateLimit: RKE always writes a plugin configuration (its default, or the user's).
  const erl = entry('EventRateLimit');
  const erlConf = a.at([...api, 'event_rate_limit', 'configuration']);
  facts.push(ack('admission.EventRateLimit.configured', 'true',
    erl ? 'cluster.yml admission_configuration' : erlConf ? 'cluster.yml event_rate_limit.configuration' : 'RKE default EventRateLimit configuration (Server qps 5000 burst 20000)',
    erl ?? (erlConf ? [...api, 'event_rate_limit', 'configuration'] : undefined)));

  if (minor < 23) return facts;
  const psa = entry('PodSecurity');
  if (psa) {
    const defaults = [...psa, 'configuration', 'defaults'];
    const enforce = a.text([...defaults, 'enforce']) ?? 'privileged';
    facts.push(ack('admission.PodSecurity.defaults.enforce', enforce, 'cluster.yml admission_configuration PodSecurity', a.at([...defaults, 'enforce']) ? [...defaults, 'enforce'] : psa));
    const ns = a.list([...psa, 'configuration', 'exemptions', 'namespaces']) ?? [];
    facts.push(ack('admission.PodSecurity.exemptions.namespaces', ns.map(String), 'cluster.yml admission_configuration PodSecurity', [...psa, 'configuration', 'exemptions', 'namespaces']));
    return facts;
  }
  const level = a.text([...api, 'pod_security_configuration']);
  const path = level !== undefined ? [...api, 'pod_security_configuration'] : undefined;
  const restricted = level === 'restricted';
  facts.push(ack('admission.PodSecurity.defaults.enforce', restricted ? 'restricted' : 'privileged',
    path ? 'cluster.yml pod_security_configuration' : 'RKE default pod_security_configuration (privileged)', path));
  facts.push(ack('admission.PodSecurity.exemptions.namespaces', restricted ? RKE_RESTRICTED_EXEMPT : [],
    path ? 'RKE built-in restricted policy' : 'RKE default', path));
  return facts;
}
