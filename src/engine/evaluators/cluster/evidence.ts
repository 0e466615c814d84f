import type { Evidence } from '../../../model/result.js';

/** At most this many objects are named in one evidence line; the rest are counted. */
export const EVIDENCE_CAP = 10;

/** "a, b, c and 7 more", or "(none)". */
export function capList(items: readonly string[], cap = EVIDENCE_CAP): string {
  if (items.length === 0) return '(none)';
  const shown = items.slice(0, cap).join(', ');
  return items.length > cap ? `${shown} and ${items.length - cap} more` : shown;
}

/** One evidence line about API objects. */
export function apiEvidence(fact: string, observed: string, expected: string): Evidence {
  return { fact, observed, expected, source: 'api' };
}

/** Findings grouped under a label each, e.g. per exempt namespace: "kube-system (rke2): a, b; cattle-system (…): c". */
export function groupedList(groups: ReadonlyMap<string, readonly string[]>, cap = EVIDENCE_CAP): string {
  const parts: string[] = [];
  let shown = 0;
  let hidden = 0;
  for (const [label, items] of groups) {
    const room = Math.max(0, cap - shown);
    if (room === 0) {
      hidden += items.length;
      continue;
    }
    const take = items.slice(0, room);
    shown += take.length;
    hidden += items.length - take.length;
    parts.push(take.length ? `${label}: ${take.join(', ')}` : label);
  }
  if (parts.length === 0) return '(none)';
  return hidden > 0 ? `${parts.join('; ')} and ${hidden} more` : parts.join('; ');
}
