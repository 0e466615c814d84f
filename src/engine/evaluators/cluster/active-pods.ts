import { oncePerObject } from '../../../once-per-object.js';
import type { Pod } from './cluster-facts.js';

/** Pods that still run or may run: Succeeded and Failed pods are history, not workload. Once per pod list (each pod check asks). */
export const activePods = oncePerObject((pods: Pod[]): Pod[] => pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed'));

export const podName = (p: Pod): string => `${p.namespace}/${p.name}`;
