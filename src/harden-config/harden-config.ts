import fs from 'node:fs';
import path from 'node:path';
import { Document, parseDocument } from 'yaml';
import { createTwoFilesPatch } from 'diff';
import { parseK8sVersion } from '../config/k8s-version.js';
import { readYamlFile } from '../config/read-yaml-file.js';
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
  k8sVersion: string;
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

/** Generate (or merge into --from) the hardened configuration for one distro and version. Pure but for reading --from. */
export function hardenConfig(o: HardenConfigOptions): HardenedConfig {
  const version = parseK8sVersion(o.k8sVersion, '--k8s-version');
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
    const y = readYamlFile(o.from); // validates: one clear line on bad input
    const kind = detectConfigKind(y);
    const expected = o.distro === 'rke1' ? 'rke1-cluster-yml' : 'rke2-config';
    if (kind && kind !== expected) throw inputError(`${o.from}: a ${kind} file cannot be hardened as --distro ${o.distro}`);
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
