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
 * @kubernetes/client-node is imported here, on first use: it costs over a second at start-up, which the
 * commands that never talk to a cluster should not pay.
 */
export async function loadKubeConfig(opts: KubeconfigOptions = {}): Promise<{ kc: KubeConfig; source: string }> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const env = opts.env ?? process.env;
  let kc: KubeConfig;
  let source: string;
  if (opts.kubeconfig) {
    if (!fs.existsSync(opts.kubeconfig)) throw inputError(`--kubeconfig ${opts.kubeconfig}: no such file`);
    kc = loadFile(KubeConfig, opts.kubeconfig);
    source = opts.kubeconfig;
  } else if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(path.delimiter).filter((f) => f && fs.existsSync(f));
    if (!files.length) throw inputError(`KUBECONFIG=${env.KUBECONFIG}: none of its files exists`);
    kc = mergeFiles(KubeConfig, files);
    source = `KUBECONFIG (${files.join(', ')})`;
  } else {
    const home = path.join(env.HOME || os.homedir(), '.kube', 'config');
    if (fs.existsSync(home)) {
      kc = loadFile(KubeConfig, home);
      source = home;
    } else if (env.KUBERNETES_SERVICE_HOST && fs.existsSync(path.join(SA_DIR, 'token'))) {
      kc = new KubeConfig();
      kc.loadFromCluster();
      source = 'in-cluster service account';
    } else {
      throw inputError('no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run inside a pod');
    }
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
