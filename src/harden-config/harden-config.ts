import path from 'node:path';
import { Document, parseDocument } from 'yaml';
import { createTwoFilesPatch } from 'diff';
import fs from 'node:fs';
import { MAX_CONFIG_BYTES, parseYamlText, readYamlDocuments, type LocatedYaml } from '../config/read-yaml-file.js';
import { detectConfigKind, otherKubernetesObject, type ConfigKind } from '../config/detect-config-kind.js';
import { inputError, usageError } from '../errors/rke-harden-error.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { resolveNamespaceExemptions } from '../collectors/cluster/namespace-exemptions.js';
import { hardenRke1, rke1ServicePath } from './rke1-hardening.js';
import { repairFlags, scoredFailsOf } from './repair-flags.js';
import { listRuleOf } from './repair-list-flags.js';
import type { Catalog } from '../catalog/catalog.js';
import { configFilesPlacement, hardenRke2 } from './rke2-hardening.js';
import { readRke2DropIn, rke2DropInFiles } from '../config/rke2/merge-config-files.js';
import { hardenRancherRke2, rancherPlacements } from './rancher-rke2-hardening.js';
import { versionToHarden } from './version-to-harden.js';
import { clusterNameOf, loadConfigTargets, oneClusterDocument } from '../config/load-config-targets.js';
import { writeFilesAtomic } from '../write-file-atomic.js';
import { keepUserLayout, userStyleOf } from './keep-user-layout.js';
import { keepUnchangedBlocks } from './keep-unchanged-blocks.js';
import type { Companion, HardeningContext, Manifest } from './hardening-context.js';
import type { Evidence } from '../model/result.js';
import { formatLocation } from '../model/fact.js';
import { setScalar, sharingNotesOf } from './yaml-edit.js';
import { inTextForm, plainText, textFormOf } from './text-form.js';
import { localCopyOf } from '../config/companion/referenced-files.js';
import { rancherPsaTemplateBeside } from '../config/companion/rancher-delivered-files.js';
import { readTextFile } from '../read-text-file.js';

export interface HardenConfigOptions {
  distro: 'rke1' | 'rke2';
  /** Required unless the --from file names its version (RKE1 kubernetes_version, Rancher spec.kubernetesVersion); then they must agree. */
  k8sVersion?: string;
  from?: string;
  benchmark?: string;
  /** Exemption list names (rke2, rke1, rancher-restricted, docs-sample, none; comma-separated values too), merged. */
  exemptions?: string[];
  exemptNamespaces?: string[];
  psa?: 'restricted' | 'baseline';
  /** RKE2 config.yaml of an agent: no control-plane settings (RKE2 ignores them there, with warnings). */
  role?: 'server' | 'agent';
  /** The Rancher Cluster (metadata.name) to harden in a file of several. */
  cluster?: string;
}

export interface HardenedConfig {
  /** File name of the main configuration (cluster.yml or config.yaml). */
  fileName: string;
  before: string;
  after: string;
  /** RKE2 drop-ins of --from (config.yaml.d/<name>), as read and as hardened; all written with --out. */
  dropIns: { name: string; before: string; after: string }[];
  /** Unified diff of every file that changes. */
  diff: string;
  companions: Companion[];
  /** Objects to apply beside the configuration (Rancher: the ConfigMap machineSelectorFiles reads). */
  manifests: Manifest[];
  notes: string[];
  /** Scored controls the result still fails (with --from: a user setting no repair could fix), beyond the notes' known open ones. */
  stillFailing: string[];
  benchmark: string;
}

/** What --from is (checked against --distro), or what a new file will be. */
function configKindToHarden(o: HardenConfigOptions, y: LocatedYaml | undefined): ConfigKind {
  const object = y ? otherKubernetesObject(y) : undefined;
  if (object) throw inputError(`${o.from}: a ${object} object, not ${o.distro === 'rke1' ? 'an RKE1 cluster.yml' : 'an RKE2 config.yaml or a Rancher provisioning Cluster'}: nothing to harden in it`);
  const detected = y ? detectConfigKind(y) : undefined;
  const accepted: ConfigKind[] = o.distro === 'rke1' ? ['rke1-cluster-yml'] : ['rke2-config', 'rancher-rke2-cluster'];
  if (detected && !accepted.includes(detected)) throw inputError(`${o.from}: a ${detected} file cannot be hardened as --distro ${o.distro}`);
  return detected ?? accepted[0]!;
}

/**
 * A document harden edits must give each key once: an edit by key lands on the first occurrence, and
 * RKE and RKE2 read the last. Other documents of its file are kept as they are, repeated keys and all.
 */
function refuseRepeatedKeys(y: LocatedYaml): LocatedYaml {
  const repeated = y.repeatedKeys[0];
  if (repeated) throw inputError(`${formatLocation(repeated.at)}: ${repeated.key} is given again at ${formatLocation(repeated.keptAt)}: harden config edits this document: keep one of them`);
  return y;
}

/**
 * The --from file read: an RKE2 config.yaml that is absent while its config.yaml.d holds drop-ins
 * (RKE2 reads those alone) is an empty main file, and the drop-in directory names its main file. A file
 * of several YAML documents (a Rancher Cluster kept with its ConfigMaps, Secrets, Pod Security
 * template) is hardened in its Cluster's document: `part` is where that document's text is.
 */
function readFrom(from: string, distro: 'rke1' | 'rke2', cluster: string | undefined): { y: LocatedYaml; validate: string; part?: { start: number; end: number } } {
  const trimmed = from.replace(/\/+$/, '');
  const main = distro === 'rke2' && trimmed.endsWith('.yaml.d') ? trimmed.slice(0, -2) : from;
  if (distro === 'rke2' && !fs.existsSync(main) && rke2DropInFiles(main).length > 0) return { y: parseYamlText(main, '', { allowEmpty: true }), validate: `${main}.d` };
  // Validates: one clear line on bad input. A key given twice is refused where harden edits (the
  // document it hardens), not in the other documents of the file, which it keeps as they are.
  const docs = readYamlDocuments(main, 'lastWins');
  const y = refuseRepeatedKeys(oneClusterDocument(main, docs, { distro }, 'harden config edits', { ...(cluster !== undefined ? { name: cluster } : {}), choose: 'pass --cluster NAME to harden one of them' }));
  if (docs.length === 1) return { y, validate: main };
  // From its `---` (the first document: from the top, with the comments before it) to where the next one starts.
  const range = y.doc.range;
  return { y, validate: main, part: { start: y === docs[0] ? 0 : range[0], end: range[2] } };
}

/** Generate (or merge into --from) the hardened configuration for one distro and version. Pure but for reading --from. */
export function hardenConfig(o: HardenConfigOptions): HardenedConfig {
  if (o.cluster !== undefined && !o.from) throw usageError('harden config --cluster: needs --from (the file of several Rancher Clusters)');
  const read = o.from ? readFrom(o.from, o.distro, o.cluster) : undefined;
  const y = read?.y;
  const kind = configKindToHarden(o, y);
  const { version, writeTo } = versionToHarden(kind, o.k8sVersion, y);
  // What `audit config` refuses, harden refuses too (one line naming file:line:column, exit 2): editing a
  // file whose shape we do not understand would drop or overwrite what the user wrote.
  if (o.role === 'agent' && kind !== 'rke2-config') throw usageError(`--role agent: only for an RKE2 config.yaml (a ${kind === 'rke1-cluster-yml' ? 'cluster.yml names its nodes\' roles' : 'Rancher Cluster names its pools\' roles'})`);
  const role = o.role ?? 'server';
  if (read) loadConfigTargets([read.validate], { distro: o.distro, k8sVersion: version.text, role });
  const catalog = loadCatalog();
  const benchmark = o.benchmark ? resolveBenchmarkId(catalog, o.benchmark) : selectBenchmark(catalog, o.distro, version.text);
  // Who writes the PSA exemptions: RKE2 itself for a config.yaml, Rancher's rancher-restricted template otherwise.
  const lists = o.exemptions?.length ? o.exemptions : [kind === 'rke2-config' ? 'rke2' : 'rancher-restricted'];
  const exempt = Object.keys(resolveNamespaceExemptions(lists, version.text, o.exemptNamespaces));

  let before = '';
  let doc: Document;
  let fileName = o.distro === 'rke1' ? 'cluster.yml' : 'config.yaml';
  // The text hardened: the whole file, or the Cluster's document among others (the rest stays as it is).
  const part = read?.part ?? { start: 0, end: Infinity };
  const inFile = (text: string) => before.slice(0, part.start) + text + before.slice(part.end);
  if (y) {
    before = y.text;
    doc = parseDocument(plainText(before.slice(part.start, part.end)), { keepSourceTokens: true, merge: true });
    fileName = path.basename(y.file);
  } else {
    doc = new Document({});
    if (o.distro === 'rke1') doc.commentBefore = ` Hardened by rke-harden for Kubernetes ${version.text} (${benchmark.id}). Add your nodes.`;
    else doc.commentBefore = ` Hardened by rke-harden for RKE2 ${version.text} (${benchmark.id}): /etc/rancher/rke2/config.yaml`;
  }
  // RKE2 reads config.yaml.d/*.yaml after config.yaml: they are hardened with it (a key is edited where it wins).
  const dropIns = y && kind === 'rke2-config' ? rke2DropInFiles(y.file).map((file) => {
    const { text } = refuseRepeatedKeys(readRke2DropIn(file)); // validates: one clear line on bad input
    return { name: `${fileName}.d/${path.basename(file)}`, before: text, doc: parseDocument(plainText(text), { keepSourceTokens: true, merge: true }) };
  }) : [];
  if (o.distro === 'rke1' && !o.from) doc.setIn(['nodes'], doc.createNode([]));
  if (writeTo) setScalar(doc, writeTo, version.text);
  const ctx: HardeningContext = {
    version,
    role,
    exemptNamespaces: exempt,
    exemptionsGiven: Boolean(o.exemptions?.length || o.exemptNamespaces?.length),
    psa: o.psa ?? 'restricted',
    checks: new Set(benchmark.controls.flatMap((c) => (c.check ? [c.check] : []))),
    kubeletCiphersAllowed: kubeletCipherRule(catalog),
    staysOpen: new Set(),
    existingFile: (nodePath) => {
      const copy = y ? localCopyOf(nodePath, y.file) : undefined;
      return copy === undefined ? undefined : readTextFile(copy, MAX_CONFIG_BYTES, (size) => `too large (${size} bytes; limit ${MAX_CONFIG_BYTES})`);
    },
    psaTemplateBeside: (name) => (y ? rancherPsaTemplateBeside(y, name) : undefined),
    notes: [],
    companions: [],
    manifests: [],
  };
  const rke2Place = configFilesPlacement([doc, ...dropIns.map((d) => d.doc)]);
  if (kind === 'rke1-cluster-yml') hardenRke1(doc, ctx);
  else if (kind === 'rancher-rke2-cluster') hardenRancherRke2(doc, ctx);
  else hardenRke2(ctx, rke2Place);
  const draft = (): Omit<HardenedConfig, 'diff' | 'notes' | 'stillFailing'> => ({
    fileName, before, after: inFile(render(doc, before.slice(part.start, part.end))), dropIns: dropIns.map((d) => ({ name: d.name, before: d.before, after: render(d.doc, d.before) })),
    companions: ctx.companions, manifests: ctx.manifests, benchmark: benchmark.id,
  });
  let stillFailing: string[] = [];
  if (o.from) {
    // Settings of the user's that still fail once the hardening is in place (anonymous-auth=true, a weak
    // cipher suite): the result is audited, and those flags get what their check asks for. What fails
    // after that is named, so that --check does not call the file hardened. Without --from there are
    // none: the generated file is the hardening alone (its tests re-audit it for every version).
    const audit = () => scoredFailsOf((dir) => writeHardenedConfig({ ...draft(), diff: '', notes: [], stillFailing: [] }, dir), fileName, { distro: o.distro, k8sVersion: version.text, role }, benchmark, catalog, read?.part && clusterNameOf(read.y))
      .filter((f) => !ctx.staysOpen.has(f.result.checkId ?? ''));
    const fails = audit();
    // Each audited target is repaired where its value wins: a Rancher Cluster's machine sets each merge their own maps.
    const repairs = kind === 'rke1-cluster-yml'
      ? repairFlags(fails, catalog, { distro: 'rke1', doc, servicePath: (s) => rke1ServicePath(doc, s) })
      : (kind === 'rancher-rke2-cluster' ? rancherPlacements(doc) : [rke2Place]).flatMap((place, i) => repairFlags(fails.filter((f) => f.target === i), catalog, { distro: 'rke2', place, itemsAccumulate: version.minor >= 24 }));
    ctx.notes.push(...repairs);
    stillFailing = (repairs.length ? audit() : fails).map(({ result: r }) => `CIS ${r.controlId} (${r.title})${r.evidence.map(evidenceText).join('')}`);
    ctx.notes.push(...stillFailing.map((f) => `still fails ${f}: harden config has no edit for it that keeps your configuration; fix it by hand (rke-harden explain <control>)`));
  }
  const { after, dropIns: hardenedDropIns } = draft();
  for (const d of hardenedDropIns.filter((x) => x.after !== x.before && path.basename(x.name) === '50-rancher.yaml')) {
    ctx.notes.push(`${d.name} is written by Rancher from the cluster's rkeConfig and is overwritten on its next plan: make these changes in the Rancher Cluster instead (rke-harden harden config --distro rke2 --from <cluster.yaml>)`);
  }
  const diff = [
    createTwoFilesPatch(o.from ? `a/${fileName}` : '/dev/null', `b/${fileName}`, before, after, '', '', { context: 3 }),
    ...hardenedDropIns.filter((d) => d.after !== d.before).map((d) => createTwoFilesPatch(`a/${d.name}`, `b/${d.name}`, d.before, d.after, '', '', { context: 3 })),
  ].join('');
  const notes = [...[doc, ...dropIns.map((d) => d.doc)].flatMap(sharingNotesOf), ...ctx.notes];
  return { fileName, before, after, dropIns: hardenedDropIns, diff, companions: ctx.companions, manifests: ctx.manifests, notes, stillFailing, benchmark: benchmark.id };
}

/** The suites the kubelet cipher check allows (the same list in every benchmark that has it). */
function kubeletCipherRule(catalog: Catalog): string[] {
  const check = catalog.checks.get('kubelet-tls-cipher-suites-strong');
  return (check && listRuleOf(check)?.values) ?? [];
}

/** `: kube-apiserver.args.audit-log-maxage is 5 at cluster.yml:8:18`, for a control that still fails. */
function evidenceText(e: Evidence): string {
  const at = e.location ? ` at ${formatLocation({ ...e.location, file: path.basename(e.location.file) })}` : e.layer ? ` (${e.layer})` : '';
  return `: ${e.fact} is ${e.observed ?? '(not set)'}${at}`;
}

/** A document as text, its flow collections, comment spacing and line ends written the way the user's are (the yaml library writes them one way). */
function render(doc: Document, before: string): string {
  const plain = plainText(before);
  const text = keepUserLayout(plain, keepUnchangedBlocks(plain, doc.toString({ lineWidth: 0, ...userStyleOf(before) })));
  return inTextForm(text, textFormOf(before));
}

/**
 * Write the configuration (with its drop-ins) and companions under dir (host/<node path>), as one
 * change: all of them or, on an error, none. A file already there keeps its mode; a new one gets the
 * mode given here.
 */
export function writeHardenedConfig(h: HardenedConfig, dir: string): string[] {
  const files = [
    { file: path.join(dir, h.fileName), text: h.after, mode: 0o600 },
    ...h.dropIns.map((d) => ({ file: path.join(dir, d.name), text: d.after, mode: 0o600 })),
    ...h.manifests.map((m) => ({ file: path.join(dir, m.fileName), text: m.text, mode: 0o600 })),
    ...h.companions.map((c) => ({ file: path.join(dir, 'host', c.nodePath), text: c.text, mode: c.mode })),
  ];
  writeFilesAtomic(files, { mkdir: true });
  return files.map((f) => f.file);
}
