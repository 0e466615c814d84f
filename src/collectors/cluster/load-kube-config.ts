/**
 * Which cluster and credentials to use, the kubectl way: --kubeconfig, else $KUBECONFIG (a list of
 * files, merged, first wins), else ~/.kube/config, else the pod's service account (in-cluster).
 * --context picks a context; default is the file's current-context.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { inputError, usageError } from '../../errors/rke-harden-error.js';
import type { KubeTarget } from './kube-target.js';
import { readPlainKubeConfig } from './plain-kube-config.js';

export interface KubeconfigOptions {
  kubeconfig?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function loadFile(KubeConfig: KubeConfigClass, file: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw inputError(`kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  return kc;
}

/** Merge the KUBECONFIG files: the first file that defines a name (and a current-context) wins. */
function mergeFiles(KubeConfig: KubeConfigClass, files: string[]): KubeConfig {
  const kc = loadFile(KubeConfig, files[0]!);
  for (const file of files.slice(1)) {
    const next = loadFile(KubeConfig, file);
    if (!kc.currentContext && next.currentContext) kc.currentContext = next.currentContext;
    for (const c of next.clusters) if (!kc.getCluster(c.name)) kc.addCluster(c);
    for (const u of next.users) if (!kc.getUser(u.name)) kc.addUser(u);
    for (const c of next.contexts) if (!kc.getContextObject(c.name)) kc.addContext(c);
  }
  return kc;
}

type KubeConfigClass = new () => KubeConfig;

/**
 * The kubeconfig to use: --kubeconfig, KUBECONFIG (merged), ~/.kube/config, then the pod's service account.
 * A kubeconfig of certificates, tokens or basic auth is read by PlainKubeConfig; @kubernetes/client-node
 * is imported only for the rest (its import costs more than a thousand namespaces' collection).
 */
export async function loadKubeConfig(opts: KubeconfigOptions = {}): Promise<{ kc: KubeTarget; source: string }> {
  const env = opts.env ?? process.env;
  let files: string[];
  let source: string;
  if (opts.kubeconfig) {
    if (!fs.existsSync(opts.kubeconfig)) throw inputError(`--kubeconfig ${opts.kubeconfig}: no such file`);
    files = [opts.kubeconfig];
    source = opts.kubeconfig;
  } else if (env.KUBECONFIG) {
    files = env.KUBECONFIG.split(path.delimiter).filter((f) => f && fs.existsSync(f));
    if (!files.length) throw inputError(`KUBECONFIG=${env.KUBECONFIG}: none of its files exists`);
    source = `KUBECONFIG (${files.join(', ')})`;
  } else {
    const home = path.join(env.HOME || os.homedir(), '.kube', 'config');
    if (fs.existsSync(home)) {
      files = [home];
      source = home;
    } else if (env.KUBERNETES_SERVICE_HOST && fs.existsSync(path.join(SA_DIR, 'token'))) {
      files = [];
      source = 'in-cluster service account';
    } else {
      throw inputError('no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run inside a pod');
    }
  }
  // The common kubeconfig needs no client-node; plugins, proxies, in-cluster and every error message do.
  const plain = files.length ? readPlainKubeConfig(files, opts.context) : undefined;
  if (plain) return { kc: plain, source };

  const { KubeConfig } = await import('@kubernetes/client-node');
  let kc: KubeConfig;
  if (files.length) {
    kc = mergeFiles(KubeConfig, files);
  } else {
    kc = new KubeConfig();
    kc.loadFromCluster();
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      throw usageError(`--context ${opts.context}: not in ${source} (contexts: ${kc.contexts.map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) throw inputError(`${source}: no current context with a cluster (pass --context)`);
  return { kc, source };
}
