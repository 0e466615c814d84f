import type { Pod } from './cluster-facts.js';

const active = new WeakMap<Pod[], Pod[]>();

/** Pods that still run or may run: Succeeded and Failed pods are history, not workload. Once per pod list (each pod check asks). */
export function activePods(pods: Pod[]): Pod[] {
  let list = active.get(pods);
  if (!list) active.set(pods, (list = pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed')));
  return list;
}

export const podName = (p: Pod): string => `${p.namespace}/${p.name}`;
