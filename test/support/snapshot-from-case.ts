import type { Case } from '../../src/model/check.js';
import type { FactSnapshot, FactValue } from '../../src/model/fact.js';

/** A snapshot holding exactly a check case's facts (the source is the case's target kind). */
export function snapshotFromCase(c: Case): FactSnapshot {
  const kind = c.target ?? 'snapshot';
  const facts: FactSnapshot['facts'] = {};
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(c.facts)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'error' in value) {
      errors[key] = String((value as { error: unknown }).error);
      continue;
    }
    facts[key] = { key, value: value as FactValue, source: kind === 'cluster' ? 'api' : 'config' };
  }
  return {
    target: { kind, name: `case: ${c.name}` },
    distro: c.distro ?? 'rke2',
    facts,
    errors,
    absent: c.absent ?? {},
    warnings: [],
  };
}
