import fs from 'node:fs';
import path from 'node:path';
import { Document, parseDocument } from 'yaml';
import { createTwoFilesPatch } from 'diff';
import { compareVersions, parseK8sVersion, type K8sVersion } from '../config/k8s-version.js';
import { readYamlFile, type LocatedYaml } from '../config/read-yaml-file.js';
import { YamlAccess } from '../config/yaml-access.js';
import { RKE1_RELEASE, rke1ServiceOptions } from '../config/rke1/rke1-version.js';
import { detectConfigKind } from '../config/detect-config-kind.js';
import { inputError, usageError } from '../errors/rke-harden-error.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { exemptionList, EXEMPTION_LISTS, type ExemptionListName } from '../collectors/cluster/namespace-exemptions.js';
import { hardenRke1 } from './rke1-hardening.js';
import { hardenRke2 } from './rke2-hardening.js';
import type { Companion, HardeningContext } from './hardening-context.js';

export interface HardenConfigOptions {
  distro: 'rke1' | 'rke2';
  /** Required but for an RKE1 --from file that names its kubernetes_version (then it must agree). */
  k8sVersion?: string;
  from?: string;
  benchmark?: string;
  exemptions?: ExemptionListName | 'none';
  exemptNamespaces?: string[];
  psa?: 'restricted' | 'baseline';
}

export interface HardenedConfig {
  /** File name of the main configuration (cluster.yml or config.yaml). */
  fileName: string;
  before: string;
  after: string;
  diff: string;
  companions: Companion[];
  notes: string[];
  benchmark: string;
}

/**
 * The version to harden for. RKE1: the --from file's kubernetes_version is what `rke up` deploys, so
 * it wins, and a different --k8s-version is an error rather than a config hardened for another
 * version (e.g. PodSecurityPolicy on a 1.25+ cluster). A version written into the file must be an
 * RKE release name. RKE2's config.yaml names no version: --k8s-version is required.
 */
function versionToHarden(o: HardenConfigOptions, from: LocatedYaml | undefined): K8sVersion {
  const given = o.k8sVersion === undefined ? undefined : parseK8sVersion(o.k8sVersion, '--k8s-version');
  const required = (why: string) => usageError(`harden config: --k8s-version is required (${why})`);
  if (o.distro === 'rke2') {
    if (!given) throw required("RKE2's config.yaml does not name its version; e.g. v1.31.4+rke2r1");
    return given;
  }
  const a = from ? new YamlAccess(from, []) : undefined;
  const field = a?.at(['rancher_kubernetes_engine_config']) !== undefined ? ['rancher_kubernetes_engine_config', 'kubernetes_version'] : ['kubernetes_version'];
  const inFile = a?.text(field);
  if (a && inFile !== undefined) {
    const where = `${a.where(field)}: kubernetes_version`;
    const version = parseK8sVersion(inFile, where);
    if (given && compareVersions(version, given) !== 0) {
      throw inputError(`${where} ${inFile} is the version rke up deploys, not --k8s-version ${given.text}: make them agree, or leave --k8s-version out`);
    }
    rke1ServiceOptions(version, where); // RKE1 never shipped other minors
    return version;
  }
  if (!given) throw required(`${from ? `${from.file} names no kubernetes_version` : 'no --from file names one'}; e.g. v1.28.15-rancher1-1`);
  if (!RKE1_RELEASE.test(given.text)) {
    throw inputError(`--k8s-version ${given.text}: cluster.yml's kubernetes_version must be an RKE release such as v1.${given.minor}.${given.patch}-rancher1-1 (\`rke config --list-version --all\` lists them); rke up refuses a bare Kubernetes version`);
  }
  rke1ServiceOptions(given, '--k8s-version');
  return given;
}

/** Generate (or merge into --from) the hardened configuration for one distro and version. Pure but for reading --from. */
export function hardenConfig(o: HardenConfigOptions): HardenedConfig {
  const y = o.from ? readYamlFile(o.from) : undefined; // validates: one clear line on bad input
  if (y && o.from) {
    const kind = detectConfigKind(y);
    const expected = o.distro === 'rke1' ? 'rke1-cluster-yml' : 'rke2-config';
    if (kind && kind !== expected) throw inputError(`${o.from}: a ${kind} file cannot be hardened as --distro ${o.distro}`);
  }
  const version = versionToHarden(o, y);
  const catalog = loadCatalog();
  const benchmark = o.benchmark ? resolveBenchmarkId(catalog, o.benchmark) : selectBenchmark(catalog, o.distro, version.text);
  const listName = o.exemptions ?? (o.distro === 'rke2' ? 'rke2' : 'rancher-restricted');
  if (listName !== 'none' && !(EXEMPTION_LISTS as readonly string[]).includes(listName)) {
    throw usageError(`--exemptions ${listName}: unknown list (one of ${EXEMPTION_LISTS.join(', ')}, none)`);
  }
  const exempt = new Set([...(listName === 'none' ? [] : exemptionList(listName, version.text.startsWith('v') ? version.text : `v${version.text}`).namespaces), ...(o.exemptNamespaces ?? [])]);

  let before = '';
  let doc: Document;
  let fileName = o.distro === 'rke1' ? 'cluster.yml' : 'config.yaml';
  if (o.from) {
    before = fs.readFileSync(o.from, 'utf8');
    doc = parseDocument(before, { keepSourceTokens: true });
    fileName = path.basename(o.from);
  } else {
    doc = new Document({});
    if (o.distro === 'rke1') doc.commentBefore = ` Hardened by rke-harden for Kubernetes ${version.text} (${benchmark.id}). Add your nodes.`;
    else doc.commentBefore = ` Hardened by rke-harden for RKE2 ${version.text} (${benchmark.id}): /etc/rancher/rke2/config.yaml`;
  }
  if (o.distro === 'rke1' && !o.from) doc.setIn(['nodes'], doc.createNode([]));
  if (o.distro === 'rke1' && doc.getIn(['kubernetes_version']) === undefined && doc.getIn(['rancher_kubernetes_engine_config']) === undefined) {
    doc.setIn(['kubernetes_version'], version.text);
  }
  const ctx: HardeningContext = {
    version,
    exemptNamespaces: [...exempt],
    psa: o.psa ?? 'restricted',
    checks: new Set(benchmark.controls.flatMap((c) => (c.check ? [c.check] : []))),
    notes: [],
    companions: [],
  };
  if (o.distro === 'rke1') hardenRke1(doc, ctx);
  else hardenRke2(doc, ctx);
  const after = doc.toString({ lineWidth: 0 });
  const diff = createTwoFilesPatch(o.from ? `a/${fileName}` : '/dev/null', `b/${fileName}`, before, after, '', '', { context: 3 });
  return { fileName, before, after, diff, companions: ctx.companions, notes: ctx.notes, benchmark: benchmark.id };
}

/** Write the configuration and companions under dir (host/<node path>), each atomically. */
export function writeHardenedConfig(h: HardenedConfig, dir: string): string[] {
  const written: string[] = [];
  const write = (file: string, text: string, mode: number) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, text, { mode });
    fs.renameSync(tmp, file);
    written.push(file);
  };
  write(path.join(dir, h.fileName), h.after, 0o600);
  for (const c of h.companions) write(path.join(dir, 'host', c.nodePath), c.text, c.mode);
  return written;
}
