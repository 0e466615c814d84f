/**
 * Edits of a user's YAML that keep their comments, order and sharing. Anchors, aliases and merge keys
 * (`<<: *common`) are read as Go's YAML reads them, and an edit changes only the place it names: an
 * alias or a merged-in value on the way is first made an own copy there, and a node that aliases
 * elsewhere share is first copied into them (as it was), so hardening one component never changes
 * another through the sharing.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, Pair, visit, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml';

export type Path = (string | number)[];

/** What edits did to the file's sharing, per document, for the notes. */
const sharingNotes = new WeakMap<Document, string[]>();

/** Notes on aliases written out so that an edit stays where it was meant (empty when the file shares nothing edited). */
export function sharingNotesOf(doc: Document): string[] {
  return sharingNotes.get(doc) ?? [];
}

function isMergePair(p: Pair): boolean {
  const k = p.key as unknown;
  const v = isScalar(k) ? k.value : k;
  return v === '<<' ? !isScalar(k) || !k.type || k.type === 'PLAIN' : typeof v === 'symbol' && v.description === '<<';
}

/** The maps a map merges (`<<: *a` or `<<: [*a, *b]`), earlier ones winning. */
function mergeSources(doc: Document, map: YAMLMap): YAMLMap[] {
  return map.items.filter(isMergePair).flatMap((p) => {
    const v = resolved(doc, p.value);
    return (isSeq(v) ? v.items.map((i) => resolved(doc, i)) : [v]).filter((m): m is YAMLMap => isMap(m));
  });
}

function resolved(doc: Document, n: unknown): unknown {
  return isAlias(n) ? n.resolve(doc) : n;
}

/** The value a map gets for key through its merge keys (not its own), or undefined. */
function mergedValue(doc: Document, map: YAMLMap, key: string | number): unknown {
  for (const source of mergeSources(doc, map)) {
    const v = source.get(key, true) ?? mergedValue(doc, source, key);
    if (v !== undefined) return resolved(doc, v);
  }
  return undefined;
}

/** A deep copy without anchors (they stay defined once, where they were). */
function copyOf(n: Node): Node {
  const copy = n.clone() as Node;
  visit(copy, { Node: (_, x) => void (x.anchor = undefined) });
  if (!isAlias(copy)) copy.anchor = undefined;
  return copy;
}

/** Write a node that aliases share into each of them as it is now, and drop its anchor: it can then be edited alone. */
function unshare(doc: Document, node: Node, where: string): void {
  let uses = 0;
  visit(doc, {
    Alias: (_, a) => {
      if (a.resolve(doc) !== node) return undefined;
      uses++;
      return copyOf(node);
    },
  });
  if (!uses) return;
  const notes = sharingNotes.get(doc) ?? [];
  notes.push(`${where} was anchored as &${node.anchor ?? ''} and used ${uses === 1 ? 'once more' : `${uses} more times`}: those uses now hold a copy of it as it was, so that its hardening changes ${where} only`);
  sharingNotes.set(doc, notes);
  node.anchor = undefined;
}

/** The child of parent at key, ready to be edited in place: own (not an alias or merged in) and shared with nothing. */
function ownChild(doc: Document, parent: YAMLMap | YAMLSeq, key: string | number, where: string): Node | undefined {
  let child = parent.get(key, true) as unknown;
  if (child === undefined && isMap(parent)) child = mergedValue(doc, parent, key);
  else if (isAlias(child)) child = child.resolve(doc);
  if (!isNode(child)) return undefined;
  if (child !== parent.get(key, true)) {
    child = copyOf(child);
    parent.set(key, child);
  }
  const own = child as Node;
  if (own.anchor) unshare(doc, own, where);
  return own;
}

/** The node at path as Go's YAML reads it (aliases resolved, merge keys followed), or undefined. */
function nodeAt(doc: Document, path: Path): unknown {
  let node: unknown = doc.contents;
  for (const key of path) {
    node = resolved(doc, node);
    if (!isMap(node) && !isSeq(node)) return undefined;
    node = node.get(key, true) ?? (isMap(node) ? mergedValue(doc, node, key) : undefined);
  }
  return resolved(doc, node);
}

/**
 * The map at path, created (empty, block style) where missing; keeps the user's comments and order.
 * A number in the path indexes an existing list (e.g. a Rancher machineSelectorConfig entry). A flow
 * map on the way (`kube-api: {}`) becomes a block one: a hardened section written into it would be one
 * long line. The map at path itself stays flow unless empty (`{profiling: "false"}` takes one more flag).
 */
export function ensureMap(doc: Document, path: Path): YAMLMap {
  let node: unknown = doc.contents;
  if (!isMap(node)) {
    doc.contents = doc.createNode({}) as never;
    node = doc.contents;
  }
  path.forEach((key, i) => {
    const parent = node as YAMLMap | YAMLSeq;
    const where = path.slice(0, i + 1).join('.');
    let child = ownChild(doc, parent, key, where);
    const listNext = typeof path[i + 1] === 'number';
    if (listNext ? !isSeq(child) : !isMap(child)) {
      if (isSeq(parent) || listNext) throw new Error(`no ${listNext ? 'list' : 'map'} at ${where} to edit`);
      child = new YAMLMap();
      parent.set(key, child);
    }
    if (isMap(child) && child.flow && (i < path.length - 1 || child.items.length === 0)) child.flow = false;
    node = child;
  });
  return node as YAMLMap;
}

/** Current plain value at path (undefined when absent), aliases and merge keys resolved. A value set by this module may be a plain one, not a node. */
export function valueAt(doc: Document, path: Path): unknown {
  const n = nodeAt(doc, path);
  if (n === undefined || n === null) return undefined;
  if (!isNode(n)) return n;
  return isScalar(n) ? n.value : n.toJS(doc);
}

/** Set a scalar, keeping the comment of an existing node. Returns true when something changed. */
export function setScalar(doc: Document, path: Path, value: string | number | boolean): boolean {
  const current = nodeAt(doc, path);
  if (current !== undefined && String(isScalar(current) ? current.value : current) === String(value)) return false;
  const parent = ensureMap(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  const existing = ownChild(doc, parent, key, path.join('.'));
  if (isScalar(existing)) existing.value = value;
  else parent.set(key, value);
  return true;
}

/** Set a collection value (made with doc.createNode) at path, replacing what is there. */
export function setNode(doc: Document, path: Path, value: Node): void {
  const key = path[path.length - 1]!;
  ensureMap(doc, path.slice(0, -1)).set(key, value);
}

/** The sequence at path, created where missing; a single scalar there becomes a one-item list. Its items are own (aliases copied), ready to edit. */
export function ensureSeq(doc: Document, path: Path): YAMLSeq {
  const parent = ensureMap(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  const where = path.join('.');
  const existing = ownChild(doc, parent, key, where);
  if (isSeq(existing)) {
    existing.items.forEach((_, i) => ownChild(doc, existing, i, `${where}.${i}`));
    return existing;
  }
  const seq = new YAMLSeq();
  if (isScalar(existing) && existing.value !== null && existing.value !== '') seq.add(existing);
  parent.set(key, seq);
  return seq;
}

/**
 * Remove the key at path. One a merge key brings in (`<<: *common`) cannot be removed on its own: that
 * map's merges are written out as own keys first (the others keep their values), then it is removed.
 */
export function deleteAt(doc: Document, path: Path): boolean {
  if (nodeAt(doc, path) === undefined) return false;
  const parent = ensureMap(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  const had = parent.delete(key);
  if (mergedValue(doc, parent, key) === undefined) return had;
  writeOutMerges(doc, parent);
  parent.delete(key);
  return true;
}

/** Replace a map's merge keys by the keys they bring in (own copies, earlier sources winning), where the first merge key was. */
function writeOutMerges(doc: Document, map: YAMLMap): void {
  const at = map.items.findIndex(isMergePair);
  if (at < 0) return;
  const inherited: Pair[] = [];
  const keyOf = (p: Pair) => (isScalar(p.key) ? p.key.value : p.key);
  for (const source of mergeSources(doc, map)) {
    const flat = new YAMLMap();
    flat.items = [...source.items];
    writeOutMerges(doc, flat);
    for (const p of flat.items) {
      const k = keyOf(p);
      const v = resolved(doc, p.value);
      if (map.has(k) || inherited.some((i) => keyOf(i) === k) || !isNode(v)) continue;
      inherited.push(new Pair(isNode(p.key) ? p.key.clone() : p.key, copyOf(v)));
    }
  }
  map.items = map.items.filter((p) => !isMergePair(p));
  map.items.splice(at, 0, ...inherited);
}
