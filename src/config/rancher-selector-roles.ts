/**
 * Which Rancher machines a machineSelectorConfig entry's machineLabelSelector picks out, as far as their
 * roles go: an entry that selects exactly one role label (matchLabels or the equivalent matchExpressions
 * `In ['true']`), or machine pools by name (rke.cattle.io/rke-machine-pool-name) whose roles the Cluster's
 * machinePools give. Anything else selects machines of unknown roles.
 */
import { isRecord } from './yaml-access.js';

// Rancher's machine labels (rke.cattle.io/…-role=true on every machine of the role; the pool's name).
export const CONTROL_PLANE_ROLE = 'rke.cattle.io/control-plane-role';
export const ETCD_ROLE = 'rke.cattle.io/etcd-role';
export const WORKER_ROLE = 'rke.cattle.io/worker-role';
const POOL_NAME = 'rke.cattle.io/rke-machine-pool-name';

export interface MachineRoles {
  controlPlane: boolean;
  etcd: boolean;
  worker: boolean;
}

/** label → the values a machine's label must be one of; undefined when the selector is more than that (NotIn, Exists…). */
function requirements(selector: unknown): Map<string, string[]> | undefined {
  if (!isRecord(selector)) return undefined;
  const required = new Map<string, string[]>();
  const require = (key: string, values: string[]) => required.set(key, required.get(key)?.filter((v) => values.includes(v)) ?? values);
  if (selector.matchLabels !== undefined) {
    if (!isRecord(selector.matchLabels)) return undefined;
    for (const [key, value] of Object.entries(selector.matchLabels)) require(key, [String(value)]);
  }
  if (selector.matchExpressions !== undefined) {
    if (!Array.isArray(selector.matchExpressions)) return undefined;
    for (const e of selector.matchExpressions) {
      if (!isRecord(e) || e.operator !== 'In' || typeof e.key !== 'string' || !Array.isArray(e.values)) return undefined;
      require(e.key, e.values.map(String));
    }
  }
  return required;
}

/** Whether the selector picks out exactly the machines with `roleLabel`=true. */
export function selectsOnlyRole(selector: unknown, roleLabel: string): boolean {
  const required = requirements(selector);
  return required?.size === 1 && required.get(roleLabel)?.length === 1 && required.get(roleLabel)![0] === 'true';
}

/** The roles of the machines a selector of machine pools by name picks out, when every named pool is in machinePools. */
export function poolRolesSelected(selector: unknown, machinePools: unknown): MachineRoles | undefined {
  const required = requirements(selector);
  const names = required?.size === 1 ? required.get(POOL_NAME) : undefined;
  if (!names?.length) return undefined;
  const pools = Array.isArray(machinePools) ? machinePools.filter(isRecord) : [];
  const selected = names.map((n) => pools.find((p) => p.name === n));
  if (selected.some((p) => p === undefined)) return undefined;
  const any = (role: string) => selected.some((p) => p![role] === true);
  return { controlPlane: any('controlPlaneRole'), etcd: any('etcdRole'), worker: any('workerRole') };
}
