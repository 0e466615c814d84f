import type { Pod } from './cluster-facts.js';

/** Pods that still run or may run: Succeeded and Failed pods are history, not workload. */
export function activePods(pods: Pod[]): Pod[] {
  return pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed');
}

export const podName = (p: Pod): string => `${p.namespace}/${p.name}`;
