import type { Location } from '../model/fact.js';

/** One thing that breaks (blocking) or changes meaning (warning) when moving to the target version. */
export interface UpgradeFinding {
  severity: 'blocking' | 'warning';
  what: string;
  where?: Location;
  fix: string;
}
