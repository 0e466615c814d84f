/**
 * kube-apiserver's structured authentication and authorization files. With --authentication-config,
 * anonymous access is set by the file's `anonymous` section (the --anonymous-auth flag must then be
 * absent; RKE2 leaves it out); with --authorization-config, the authorizers come from the file (no
 * --authorization-mode). Their facts are the flags they stand for, read from the file with its location.
 */
import type { ArgMap } from '../../engine/effective/arg-map.js';
import type { ApiServerFileFacts } from './apiserver-files.js';
import { isMap, readHostYaml } from './host-yaml.js';
import type { HostFs } from './ports.js';

export function structuredAuthFacts(fs: HostFs, api: ArgMap): ApiServerFileFacts {
  const out: ApiServerFileFacts = { facts: [], errors: {}, warnings: [] };
  const read = (flag: string, stands: string) => {
    const file = api.get(flag);
    if (!file || api.has(stands)) return undefined;
    const r = readHostYaml(fs, file);
    if (r.kind !== 'ok' || !isMap(r.y.value)) {
      out.errors[`kube-apiserver.args.${stands}`] = r.kind === 'error' ? r.reason : `${file}: --${flag} names ${r.kind === 'missing' ? 'a file that does not exist on the host' : 'no configuration'}: --${stands} unknown`;
      return undefined;
    }
    return { file, y: r.y, doc: r.y.value as Record<string, unknown> };
  };
  const authn = read('authentication-config', 'anonymous-auth');
  // No anonymous section: the flag's default applies (anonymous on), as if the file were not there.
  if (authn && isMap(authn.doc.anonymous) && typeof authn.doc.anonymous.enabled === 'boolean') {
    out.facts.push({ key: 'kube-apiserver.args.anonymous-auth', value: String(authn.doc.anonymous.enabled), source: 'file', layer: `authentication configuration ${authn.file} anonymous.enabled`, location: authn.y.locate(['anonymous', 'enabled']) });
  }
  const authz = read('authorization-config', 'authorization-mode');
  if (authz) {
    const types = (Array.isArray(authz.doc.authorizers) ? authz.doc.authorizers : []).flatMap((a) => (isMap(a) && typeof a.type === 'string' ? [a.type] : []));
    if (types.length) out.facts.push({ key: 'kube-apiserver.args.authorization-mode', value: types.join(','), source: 'file', layer: `authorization configuration ${authz.file} authorizers`, location: authz.y.locate(['authorizers']) });
    else out.errors['kube-apiserver.args.authorization-mode'] = `${authz.file}: lists no authorizers`;
  }
  return out;
}
