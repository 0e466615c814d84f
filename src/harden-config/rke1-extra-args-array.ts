import type { Document } from 'yaml';
import { deleteAt, setScalar, valueAt, type Path } from './yaml-edit.js';

/**
 * RKE1 passes extra_args_array items after extra_args, each as another `--flag=value`: the last one
 * of a single-value flag wins, a list flag's items add up. A repair written to extra_args takes the
 * flag's items out of extra_args_array (and the map when it is left empty). Returns true when it did.
 */
export function dropExtraArgsArray(doc: Document, service: Path, flag: string): boolean {
  const arrays = [...service, 'extra_args_array'];
  if (!deleteAt(doc, [...arrays, flag])) return false;
  const left = valueAt(doc, arrays);
  if (left === null || (typeof left === 'object' && !Object.keys(left).length)) deleteAt(doc, arrays);
  return true;
}

/** Set an RKE1 service's flag in extra_args, where it wins once extra_args_array no longer repeats it. Returns true when something changed. */
export function setExtraArg(doc: Document, service: Path, flag: string, value: string | number | boolean): boolean {
  const set = setScalar(doc, [...service, 'extra_args', flag], value);
  return dropExtraArgsArray(doc, service, flag) || set;
}
