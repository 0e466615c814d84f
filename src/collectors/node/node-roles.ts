/** The roles of an RKE node; a node audit covers the components of the roles it runs. */
export const NODE_ROLES = ['etcd', 'controlplane', 'worker'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];
