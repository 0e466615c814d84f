/**
 * Where RKE2 keeps its files on this node. Everything lives under the data directory (default
 * /var/lib/rancher/rke2), which `data-dir` moves: the static pod manifests, the server's TLS and
 * credentials, the agent's kubeconfigs, the etcd data, the release binaries.
 */
import type { ProcessInfo } from './ports.js';
import { rke2Env, rke2Flag, type Rke2NodeConfig } from './rke2-node-config.js';

export const DEFAULT_RKE2_DATA_DIR = '/var/lib/rancher/rke2';

export interface Rke2Layout {
  dataDir: string;
  /** How the data directory was found (for a warning when it is not the default). */
  why: string;
  server: string;
  agent: string;
  manifests: string;
}

export function rke2LayoutAt(dataDir: string, why: string): Rke2Layout {
  const dir = dataDir.replace(/\/+$/, '') || '/';
  return { dataDir: dir, why, server: `${dir}/server`, agent: `${dir}/agent`, manifests: `${dir}/agent/pod-manifests` };
}

// A path RKE2 itself gives a component, under <data-dir>/agent or <data-dir>/server.
const UNDER_DATA_DIR = /^(\/.*?)\/(?:agent\/(?:pod-manifests|kubelet\.kubeconfig|client-ca\.crt|etc\/kubelet\.conf\.d|kubeproxy\.kubeconfig)|server\/(?:tls|cred|db\/etcd)\/?)/;

/**
 * The data directory: the rke2 process's `--data-dir` (`-d`), else `data-dir` in its config file, else
 * RKE2_DATA_DIR in its environment, else the directory the component processes' own paths point into
 * (RKE2 passes them under it), else the default. `config` is undefined when the config file could not
 * be read.
 */
export function findRke2Layout(config: Rke2NodeConfig | undefined, components: ProcessInfo[]): Rke2Layout {
  const flag = config && rke2Flag(config, 'data-dir', 'd');
  if (flag) return rke2LayoutAt(flag.value, `${flag.how} of rke2 process ${flag.pid}`);
  const item = config?.merged.settings.get('data-dir')?.items.at(-1);
  if (item) return rke2LayoutAt(item.value, `data-dir in ${item.file}`);
  const env = config && rke2Env(config, 'RKE2_DATA_DIR');
  if (env) return rke2LayoutAt(env.value, `${env.how} of rke2 process ${env.pid}`);
  for (const p of components) {
    for (const a of p.argv) {
      const m = UNDER_DATA_DIR.exec(a.slice(a.indexOf('=') + 1));
      if (m && m[1] !== DEFAULT_RKE2_DATA_DIR) return rke2LayoutAt(m[1]!, `the paths of pid ${p.pid} (${p.argv[0]})`);
    }
  }
  return rke2LayoutAt(DEFAULT_RKE2_DATA_DIR, 'the default');
}
