import type { Document } from 'yaml';
import { mergeList } from './arg-items.js';
import { setScalar, valueAt, type Path } from './yaml-edit.js';

/** Add items to a comma-separated flag value in a map (RKE1 extra_args), keeping what is there. */
export function upsertCommaFlag(doc: Document, path: Path, add: string): boolean {
  const current = valueAt(doc, path);
  return setScalar(doc, path, current === undefined || current === null ? add : mergeList(String(current), add));
}
