/**
 * An in-memory AgentKube: ConfigMaps by namespace and name, Nodes by name, label selectors of the
 * `k=v,k2=v2` form. For tests and local runs without a cluster; it also counts calls and can be
 * told to fail, to exercise error paths.
 */
import type { AgentKube } from './kube-store.js';
import type { ConfigMapObject } from './snapshot-envelope.js';

export class MemoryAgentKube implements AgentKube {
  readonly server = 'memory://';
  readonly configMaps = new Map<string, ConfigMapObject>();
  nodes = new Map<string, string>();
  /** Labels of the nodes (for listNodeNames with a selector). */
  nodeLabels = new Map<string, Record<string, string>>();
  calls: string[] = [];
  /** Throw this from the next call whose description starts with the key. */
  failures = new Map<string, Error>();

  private hit(call: string): void {
    this.calls.push(call);
    for (const [prefix, e] of this.failures) {
      if (call.startsWith(prefix)) {
        this.failures.delete(prefix);
        throw e;
      }
    }
  }

  async applyConfigMap(cm: ConfigMapObject): Promise<void> {
    this.hit(`apply ${cm.metadata.namespace}/${cm.metadata.name}`);
    const key = `${cm.metadata.namespace}/${cm.metadata.name}`;
    const prev = this.configMaps.get(key);
    this.configMaps.set(key, structuredClone({ ...cm, metadata: { ...cm.metadata, creationTimestamp: prev?.metadata.creationTimestamp ?? new Date().toISOString() } }));
  }

  async listConfigMaps(namespace: string, labelSelector: string): Promise<ConfigMapObject[]> {
    this.hit(`list ${namespace} ${labelSelector}`);
    return [...this.configMaps.values()]
      .filter((c) => c.metadata.namespace === namespace && selects(labelSelector, c.metadata.labels))
      .map((c) => structuredClone(c));
  }

  async deleteConfigMap(namespace: string, name: string): Promise<void> {
    this.hit(`delete ${namespace}/${name}`);
    this.configMaps.delete(`${namespace}/${name}`);
  }

  async getNodeUid(name: string): Promise<string | undefined> {
    this.hit(`get node ${name}`);
    return this.nodes.get(name);
  }

  async listNodeNames(labelSelector?: string): Promise<string[]> {
    this.hit(`list nodes${labelSelector ? ` ${labelSelector}` : ''}`);
    return [...this.nodes.keys()].filter((n) => !labelSelector || selects(labelSelector, this.nodeLabels.get(n))).sort();
  }
}

function selects(labelSelector: string, labels: Record<string, string> | undefined): boolean {
  return labelSelector.split(',').filter(Boolean).every((kv) => {
    const [k, v] = kv.split('=') as [string, string];
    return labels?.[k] === v;
  });
}
