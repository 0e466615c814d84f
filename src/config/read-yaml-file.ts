import { LineCounter, parseAllDocuments, parseDocument, isCollection, isMap, isSeq, isScalar, isPair, visit, type Document, type DocumentOptions, type Node, type Pair, type ParseOptions, type Scalar, type SchemaOptions } from 'yaml';
import { inputError, NotAuditedInputError } from '../errors/rke-harden-error.js';
import { formatLocation, type Location } from '../model/fact.js';
import { readTextFile } from '../read-text-file.js';
import { fastPathValue, fastYamlDocument } from './yaml-fast-path.js';

/** Larger files are rejected: a cluster config is a few kilobytes; this bounds memory on hostile input. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** A parsed YAML file that can say where each value was written. */
export interface LocatedYaml {
  file: string;
  /** The text as read (for an editor that keeps its formatting: harden config). */
  text: string;
  doc: Document.Parsed;
  /** Plain JS value of the document. */
  value: unknown;
  /** file:line:column of the node at path (the value, or the key when asked). */
  locate(path: (string | number)[]): Location;
  /** file:line:column of the key of the pair at path. */
  locateKey(path: (string | number)[]): Location;
  /** The literal source text of a scalar at path (YAML 1.1 / yaml.v2 keep it; `false` stays "false"). */
  sourceText(path: (string | number)[]): string | undefined;
  /** That text, and whether the scalar is plain (unquoted, not a block scalar): what a YAML 1.1 reader resolves. */
  scalarSource(path: (string | number)[]): { text: string; plain: boolean } | undefined;
  /** Keys given more than once in one map, each read as its last occurrence (go-yaml v2's reading). */
  repeatedKeys: RepeatedKey[];
  /** What the reader of the file should be told (each repeated key, with where it is given again). */
  warnings: string[];
}

/** A map key written again later in the same map: `at` is the occurrence dropped, `keptAt` the one read. */
export interface RepeatedKey {
  key: string;
  at: Location;
  keptAt: Location;
}

/**
 * A key given twice in one map: refused (our own files), or the last occurrence wins as go-yaml v2 decodes
 * it (how `rke up` reads cluster.yml and RKE2 its config.yaml), with a warning naming both lines.
 */
export type DuplicateKeys = 'refuse' | 'lastWins';

function nodeAt(doc: Document.Parsed, path: (string | number)[]): Node | undefined {
  const n = doc.getIn(path, true);
  return n && typeof n === 'object' && 'range' in n ? (n as Node) : undefined;
}

/**
 * Where a template placeholder (Go/Helm `{{`, Jinja `{%`, Terraform `%{`, a sed-style `%CLUSTER_NAME%`)
 * starts outside a comment, if anywhere.
 */
function templateMarker(text: string): number | undefined {
  for (const m of text.matchAll(/\{\{|\{%|%\{|%[A-Z][A-Z0-9_]*%/g)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (!text.slice(lineStart, m.index).includes('#')) return m.index;
  }
  return undefined;
}

/** The offset of a mapping key that is itself a map or list (`address: {{ ip }}` parses so), if any. */
function collectionKey(doc: Document.Parsed): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key) && pair.key.range) {
        at = pair.key.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return at;
}

function firstDocument(text: string, options: ParseOptions & DocumentOptions & SchemaOptions): Document.Parsed {
  const docs = parseAllDocuments(text, options);
  return Array.isArray(docs) && docs[0] ? docs[0] : parseDocument(text, options);
}

// uniqueKeys false keeps every occurrence of a repeated key in the tree: lastOfRepeatedKeys then drops all but the last.
const parseOptions = (duplicateKeys: DuplicateKeys = 'refuse') => ({ prettyErrors: false, uniqueKeys: duplicateKeys === 'refuse', merge: true }) as const;

/**
 * Drop every occurrence of a repeated map key but the last, so that the value read and the place named
 * agree (toJS keeps the last, a lookup by key finds the first).
 */
function lastOfRepeatedKeys(doc: Document.Parsed, loc: (offset: number) => Location): RepeatedKey[] {
  const repeated: RepeatedKey[] = [];
  visit(doc, {
    Map(_, map) {
      const last = new Map<unknown, Pair>();
      for (const pair of map.items) if (isScalar(pair.key)) last.set(pair.key.value, pair);
      if (last.size === map.items.length) return;
      map.items = map.items.filter((pair) => {
        const kept = isScalar(pair.key) ? last.get(pair.key.value)! : pair;
        if (kept === pair) return true;
        repeated.push({ key: String((pair.key as Scalar).value), at: loc((pair.key as Scalar).range![0]), keptAt: loc((kept.key as Scalar).range![0]) });
        return false;
      });
    },
  });
  return repeated;
}

/**
 * Parse YAML text; every problem becomes one clear line naming file:line:column. `allowEmpty`: an empty
 * file is an empty document (value null), as RKE2 reads an empty drop-in; otherwise an error. `asGo`: as
 * the Kubernetes components read their files (sigs.k8s.io/yaml over go-yaml v2): YAML 1.1 scalars
 * (`on`/`yes` are booleans), and the first document only (a trailing `---` is no second configuration).
 */
export function parseYamlText(file: string, text: string, opts: { allowEmpty?: boolean; asGo?: boolean; duplicateKeys?: DuplicateKeys } = {}): LocatedYaml {
  checkText(file, text, opts.allowEmpty);
  const [doc, lineCounter] = parseWithDuplicateKeys(opts.duplicateKeys, (options) => [opts.asGo ? readDocument(text, { ...options, version: '1.1' }, firstDocument) : readDocument(text, options)]);
  return locatedDocument(file, text, doc[0]!, lineCounter);
}

/**
 * Every document of a file (`---` between them: Kubernetes objects kept together, a Rancher Cluster with
 * its ConfigMaps and Secrets), each able to say where its values are in the whole file.
 */
export function parseYamlDocuments(file: string, text: string, duplicateKeys?: DuplicateKeys, allowEmpty = false): LocatedYaml[] {
  checkText(file, text, allowEmpty);
  if (text.trim() === '') return [];
  const [docs, lineCounter] = parseWithDuplicateKeys(duplicateKeys, (options) => {
    const doc = readDocument(text, options);
    if (doc.errors[0]?.code !== 'MULTIPLE_DOCS') return [doc];
    // Parsed again as a stream, with a fresh line counter (the first parse filled this one).
    options.lineCounter = new LineCounter();
    const all = parseAllDocuments(text, options);
    return (Array.isArray(all) ? all : []).filter((d) => d.contents !== null);
  });
  return docs.map((d) => locatedDocument(file, text, d, lineCounter));
}

type Options = ParseOptions & DocumentOptions & SchemaOptions & { lineCounter: LineCounter };

/**
 * One document: by the fast path when the text is plain block YAML (most configuration files, in either
 * YAML version: the document's schema resolves the scalars), else by the yaml library (`library`).
 */
const readDocument = (text: string, options: Options, library: (text: string, options: Options) => Document.Parsed = parseDocument): Document.Parsed =>
  fastYamlDocument(text, options, options.lineCounter) ?? library(text, options);

/**
 * Documents parsed with unique keys; with `lastWins`, parsed again keeping repeated keys only when there
 * are some (the common file pays for one parse).
 */
function parseWithDuplicateKeys(duplicateKeys: DuplicateKeys = 'refuse', parse: (options: Options) => Document.Parsed[]): [Document.Parsed[], LineCounter] {
  const strict = { ...parseOptions('refuse'), lineCounter: new LineCounter() };
  const docs = parse(strict);
  if (duplicateKeys === 'refuse' || !docs.some((d) => d.errors.some((e) => e.code === 'DUPLICATE_KEY'))) return [docs, strict.lineCounter];
  const lenient = { ...parseOptions('lastWins'), lineCounter: new LineCounter() };
  return [parse(lenient), lenient.lineCounter];
}

function checkText(file: string, text: string, allowEmpty = false): void {
  if (text.includes('\u0000')) throw inputError(`${file}: binary file, not YAML`);
  if (text.trim() === '' && !allowEmpty) throw inputError(`${file}: file is empty`);
}

function locatedDocument(file: string, text: string, doc: Document.Parsed, lineCounter: LineCounter): LocatedYaml {
  const loc = (offset: number): Location => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const first = doc.errors[0];
  // A template is YAML only once rendered: `{{ .ip }}` is invalid YAML or, worse, a map used as a key.
  const template = templateMarker(text);
  const asTemplate = (offset: number, what: string) => {
    const at = loc(template!);
    return new NotAuditedInputError(`${file}:${at.line}:${at.column}: looks like a template (${/^%[A-Z]/.test(text.slice(template!)) ? '%NAME%' : text.slice(template!, template! + 2)} … placeholders): render it first, then audit or harden the result (${what} at ${loc(offset).line}:${loc(offset).column})`);
  };
  if (first) {
    const where = loc(first.pos[0]);
    if (first.code === 'MULTIPLE_DOCS') throw inputError(`${file}:${where.line}:${where.column}: a second YAML document (---): one configuration per file`);
    if (template !== undefined) throw asTemplate(first.pos[0], 'invalid YAML');
    if (first.code === 'DUPLICATE_KEY') throw inputError(`${file}:${where.line}:${where.column}: a key given twice in one map: keep one (this file is read only with each key once)`);
    throw inputError(`${file}:${where.line}:${where.column}: invalid YAML: ${first.message.split('\n')[0]}`);
  }
  const repeatedKeys = doc.options.uniqueKeys ? [] : lastOfRepeatedKeys(doc, loc);
  const warnings = repeatedKeys.map((r) => `${formatLocation(r.at)}: ${r.key} is given again at ${formatLocation(r.keptAt)}: the last one is used, as go-yaml v2 (rke up, RKE2) reads it`);
  const fast = fastPathValue(doc);
  const mapKey = fast ? undefined : collectionKey(doc);
  if (mapKey !== undefined) {
    if (template !== undefined) throw asTemplate(mapKey, 'a map used as a key');
    throw inputError(`${file}:${loc(mapKey).line}:${loc(mapKey).column}: invalid YAML: a map or list used as a key`);
  }
  let value: unknown;
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    value = fast ? fast.value : doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw inputError(`${file}: ${(e as Error).message.split('\n')[0]} (YAML aliases are limited)`);
  }
  return {
    file,
    text,
    doc,
    value,
    repeatedKeys,
    warnings,
    locate(path) {
      const n = nodeAt(doc, path);
      if (n?.range) return loc(n.range[0]);
      // Fall back to the key of the pair, or the file.
      const parent = path.length > 1 ? nodeAt(doc, path.slice(0, -1)) : doc.contents ?? undefined;
      if (parent && isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(path.at(-1)));
        if (pair && isScalar(pair.key) && pair.key.range) return loc(pair.key.range[0]);
      }
      return { file };
    },
    locateKey(path) {
      const parent = path.length > 1 ? nodeAt(doc, path.slice(0, -1)) : doc.contents ?? undefined;
      if (parent && isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(path.at(-1)));
        if (pair && isScalar(pair.key) && pair.key.range) return loc(pair.key.range[0]);
      }
      return this.locate(path);
    },
    sourceText(path) {
      return this.scalarSource(path)?.text;
    },
    scalarSource(path) {
      const n = nodeAt(doc, path);
      if (!n || !isScalar(n)) return undefined;
      return { text: n.source !== undefined ? String(n.source) : String(n.value), plain: n.type === 'PLAIN' };
    },
  };
}

const readConfigText = (file: string): string => readTextFile(file, MAX_CONFIG_BYTES, (size) => `too large (${size} bytes; limit ${MAX_CONFIG_BYTES})`);

export function readYamlFile(file: string, opts: { allowEmpty?: boolean; duplicateKeys?: DuplicateKeys } = {}): LocatedYaml {
  return parseYamlText(file, readConfigText(file), opts);
}

/** The documents of a file; `allowEmpty`: an empty file has none (otherwise it is an input error). */
export const readYamlDocuments = (file: string, duplicateKeys?: DuplicateKeys, allowEmpty = false): LocatedYaml[] => parseYamlDocuments(file, readConfigText(file), duplicateKeys, allowEmpty);

export { isMap, isSeq };
