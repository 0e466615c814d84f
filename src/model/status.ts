/** The closed status model of design.md §3. */
export const STATUSES = ['pass', 'fail', 'manual', 'notApplicable', 'error', 'waived'] as const;
export type Status = (typeof STATUSES)[number];

/** Where a target's facts came from; a check lists the kinds that can decide it. */
export const TARGET_KINDS = ['config', 'node', 'cluster', 'snapshot'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export type Distro = 'rke1' | 'rke2';
export const DISTROS: readonly Distro[] = ['rke1', 'rke2'];
