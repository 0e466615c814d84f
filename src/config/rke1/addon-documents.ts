/**
 * The documents of an RKE1 `addons:` text (Kubernetes objects separated by `---`), each kept with its
 * own text so that an edit can drop some and keep the others as written.
 */
import { parse } from 'yaml';

export interface AddonDocument {
  /** The `---` line before it (none for the first). */
  separator?: string;
  text: string;
  object?: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown }; rules?: unknown; roleRef?: { kind?: unknown; name?: unknown } };
}

export function documentsOf(text: string): AddonDocument[] {
  const docs: AddonDocument[] = [{ text: '' }];
  for (const line of text.split(/(?<=\n)/)) {
    if (/^---(\s|$)/.test(line)) docs.push({ separator: line, text: '' });
    else docs.at(-1)!.text += line;
  }
  for (const d of docs) {
    try {
      const o = parse(d.text) as unknown;
      if (o && typeof o === 'object') d.object = o as AddonDocument['object'];
    } catch {
      // Not YAML RKE could apply either: left as it is.
    }
  }
  return docs;
}

/**
 * The objects of an addons text: apiVersion, kind and name of each document that is one, and the line of
 * the text (0-based) its document starts on.
 */
export function addonObjects(text: string): { apiVersion: string; kind: string; name: string; line: number }[] {
  let line = 0;
  return documentsOf(text).flatMap((d) => {
    const at = line + (d.separator ? 1 : 0);
    line = at + (d.text.match(/\n/g)?.length ?? 0);
    const o = d.object;
    if (typeof o?.apiVersion !== 'string' || typeof o.kind !== 'string') return [];
    return [{ apiVersion: o.apiVersion, kind: o.kind, name: String(o.metadata?.name ?? ''), line: at }];
  });
}
