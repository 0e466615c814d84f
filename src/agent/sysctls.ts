import type { Catalog } from '../catalog/load-catalog.js';
import { factsOf } from '../engine/evaluate-check.js';

/** The kernel parameters the catalog's checks read (as `audit node` collects them). */
export function catalogSysctls(catalog: Catalog): string[] {
  return [...new Set([...catalog.checks.values()].flatMap((c) => factsOf(c)).filter((k) => k.startsWith('sysctl.')).map((k) => k.slice('sysctl.'.length)))].sort();
}
