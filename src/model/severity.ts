import type { ControlResult } from './result.js';

/** A check's severity: how much a failure of it exposes. Highest first. */
export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Whether a result counts at `--fail-severity min`: its check's severity is min or above; a result without one (no check) always counts. */
export const atSeverity = (r: Pick<ControlResult, 'severity'>, min: Severity): boolean => !r.severity || SEVERITIES.indexOf(r.severity) <= SEVERITIES.indexOf(min);
