import type { K8sVersion } from '../config/k8s-version.js';

export interface Companion {
  /** Where the file goes on the node. */
  nodePath: string;
  text: string;
  mode: number;
  purpose: string;
}

/** A Kubernetes object to apply next to the configuration (e.g. to Rancher's management cluster). */
export interface Manifest {
  /** File name under --out. */
  fileName: string;
  text: string;
  purpose: string;
}

export interface HardeningContext {
  version: K8sVersion;
  /** An RKE2 agent's config.yaml gets the node settings only. */
  role: 'server' | 'agent';
  exemptNamespaces: string[];
  /** Whether the user named exemption lists or namespaces (else the distro's default list applies). */
  exemptionsGiven: boolean;
  psa: 'restricted' | 'baseline';
  /** CIS controls the chosen benchmark contains, by check id (some settings matter only for some versions). */
  checks: Set<string>;
  /** The kubelet cipher suites the benchmark's check allows (a user's own are kept when they are among them). */
  kubeletCiphersAllowed: readonly string[];
  /** Checks the hardening cannot pass on this distro, each with a note saying so (RKE1's etcd CA, CIS 2.7). */
  staysOpen: Set<string>;
  /**
   * The text of a node file the configuration's audit would read (on this machine, or under host/
   * beside the file given with --from), if there is one: a file of the user's is not replaced.
   */
  existingFile: (nodePath: string) => string | undefined;
  /** A Rancher Pod Security template by name, as found among the objects beside the Cluster (its file or folder). */
  psaTemplateBeside: (name: string) => { enforce?: string; namespaces?: string[]; file: string } | undefined;
  notes: string[];
  companions: Companion[];
  manifests: Manifest[];
}
