import type { Check } from '../model/check.js';
import { emptySnapshot, type FactSnapshot } from '../model/fact.js';
import { factsOf } from '../engine/evaluate-check.js';

/**
 * The target of a configuration file a directory walk found but could not read: every family of facts
 * a configuration shows is a collection error, so each control `audit config` decides is `error` (the
 * scan is incomplete, exit 3) and never passes; controls other commands decide stay manual, as for any
 * configuration.
 */
export function unreadableConfigSnapshot(file: string, reason: string, distro: FactSnapshot['distro'], checks: Iterable<Check>): FactSnapshot {
  const snap = emptySnapshot({ kind: 'config', name: file }, distro);
  for (const check of checks) {
    if (!check.decidedBy.includes('config')) continue;
    for (const key of factsOf(check)) snap.errors[key.split('.')[0]!] = reason;
  }
  return snap;
}
