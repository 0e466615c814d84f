import { isMap, isNode, isScalar, isSeq, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml';

export type Path = (string | number)[];

/**
 * The map at path, created (empty, block style) where missing; keeps the user's comments and order.
 * A number in the path indexes an existing list (e.g. a Rancher machineSelectorConfig entry).
 */
export function ensureMap(doc: Document, path: Path): YAMLMap {
  let node: unknown = doc.contents;
  if (!isMap(node)) {
    doc.contents = doc.createNode({}) as never;
    node = doc.contents;
  }
  path.forEach((key, i) => {
    const parent = node as YAMLMap | YAMLSeq;
    let child = parent.get(key, true) as Node | undefined;
    const listNext = typeof path[i + 1] === 'number';
    if (listNext ? !isSeq(child) : !isMap(child)) {
      if (isSeq(parent) || listNext) throw new Error(`no ${listNext ? 'list' : 'map'} at ${path.slice(0, i + 1).join('.')} to edit`);
      child = new YAMLMap();
      parent.set(key, child);
    }
    node = child;
  });
  return node as YAMLMap;
}

/** Current plain value at path (undefined when absent). A value set by this module may be a plain one, not a node. */
export function valueAt(doc: Document, path: Path): unknown {
  const n = doc.getIn(path, true) as unknown;
  if (n === undefined || n === null) return undefined;
  if (!isNode(n)) return n;
  return isScalar(n) ? n.value : n.toJSON();
}

/** Set a scalar, keeping the comment of an existing node. Returns true when something changed. */
export function setScalar(doc: Document, path: Path, value: string | number | boolean): boolean {
  const parent = ensureMap(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  const existing = parent.get(key, true) as Node | undefined;
  if (isScalar(existing)) {
    if (String(existing.value) === String(value)) return false;
    existing.value = value;
    return true;
  }
  parent.set(key, value);
  return true;
}

/** The sequence at path, created where missing; a single scalar there becomes a one-item list. */
export function ensureSeq(doc: Document, path: Path): YAMLSeq {
  const parent = ensureMap(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  const existing = parent.get(key, true) as Node | undefined;
  if (isSeq(existing)) return existing;
  const seq = new YAMLSeq();
  if (isScalar(existing) && existing.value !== null && existing.value !== '') seq.add(existing);
  parent.set(key, seq);
  return seq;
}
