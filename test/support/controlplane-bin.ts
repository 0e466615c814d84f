// Where the test cluster's binaries are: $RKE_HARDEN_CONTROLPLANE_BIN, or the cache directory that
// scripts/build-controlplane.sh builds into (the script names it: --print-dir, so the cache key is
// computed in one place).
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildScriptPrints, REPO_ROOT } from './build-script.js';

export { REPO_ROOT };
const KUBE_MOD = join(REPO_ROOT, 'tools/controlplane/kube');
const ETCD_MOD = join(REPO_ROOT, 'tools/controlplane/etcd');

export interface ControlPlaneBinaries {
  binDir: string;
  kubeApiServer: string;
  kubeControllerManager: string;
  etcd: string;
}

/** The node's binaries, built beside the control plane's (test/support/kubelet-node.ts). */
export interface NodeBinaries {
  kubelet: string;
  kubeScheduler: string;
  kubeProxy: string;
  /** The CNI plugins bridge, host-local and loopback. */
  cniDir: string;
}

export class MissingControlPlaneBinariesError extends Error {
  override name = 'MissingControlPlaneBinariesError';
}

/** Version of a module required by a go.mod file (the `require` line, direct or `// indirect`). */
function requiredVersion(goModPath: string, modulePath: string): string {
  for (const line of readFileSync(goModPath, 'utf8').split('\n')) {
    const [name, version] = line.trim().split(/\s+/);
    if (name === modulePath && version?.startsWith('v')) return version;
  }
  throw new Error(`${goModPath} does not require ${modulePath}`);
}

/** The versions the tool modules pin: what the built binaries must report. */
export function pinnedVersions(): { kubernetes: string; etcd: string } {
  return {
    kubernetes: requiredVersion(join(KUBE_MOD, 'go.mod'), 'k8s.io/kubernetes'),
    etcd: requiredVersion(join(ETCD_MOD, 'go.mod'), 'go.etcd.io/etcd/server/v3'),
  };
}

/** The bin directory scripts/build-controlplane.sh builds into (it may not exist yet). */
export function cachedBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return buildScriptPrints('build-controlplane.sh', '--print-dir', env);
}

function missingExecutables(files: string[]): string[] {
  return files.filter((file) => {
    try {
      accessSync(file, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

function missingError(binDir: string, fromEnv: string | undefined, missing: string[]): MissingControlPlaneBinariesError {
  const where = fromEnv ? `RKE_HARDEN_CONTROLPLANE_BIN=${fromEnv}` : `the build cache ${binDir}`;
  return new MissingControlPlaneBinariesError(
    `Control-plane binaries not found in ${where} (missing: ${missing.join(', ')}).\n` +
      'Build them (once: about 15 to 25 minutes cold on 2 cores, then reused) with:\n' +
      '  bash scripts/build-controlplane.sh\n' +
      'and, if you build them elsewhere, export RKE_HARDEN_CONTROLPLANE_BIN=<the bin dir it prints last>.',
  );
}

/** Finds the three binaries, or throws an error that says how to build them. */
export function findControlPlaneBinaries(env: NodeJS.ProcessEnv = process.env): ControlPlaneBinaries {
  const fromEnv = env.RKE_HARDEN_CONTROLPLANE_BIN;
  const binDir = fromEnv || cachedBinDir(env);
  const binaries: ControlPlaneBinaries = {
    binDir,
    kubeApiServer: join(binDir, 'kube-apiserver'),
    kubeControllerManager: join(binDir, 'kube-controller-manager'),
    etcd: join(binDir, 'etcd'),
  };
  const missing = missingExecutables([binaries.kubeApiServer, binaries.kubeControllerManager, binaries.etcd]);
  if (missing.length > 0) throw missingError(binDir, fromEnv, missing);
  return binaries;
}

/** Finds the node's binaries (same build, same directory), or throws an error that says how to build them. */
export function findNodeBinaries(env: NodeJS.ProcessEnv = process.env): NodeBinaries {
  const fromEnv = env.RKE_HARDEN_CONTROLPLANE_BIN;
  const binDir = fromEnv || cachedBinDir(env);
  const binaries: NodeBinaries = {
    kubelet: join(binDir, 'kubelet'),
    kubeScheduler: join(binDir, 'kube-scheduler'),
    kubeProxy: join(binDir, 'kube-proxy'),
    cniDir: join(binDir, 'cni'),
  };
  const plugins = ['bridge', 'host-local', 'loopback'].map((p) => join(binaries.cniDir, p));
  const missing = missingExecutables([binaries.kubelet, binaries.kubeScheduler, binaries.kubeProxy, ...plugins]);
  if (missing.length > 0) throw missingError(binDir, fromEnv, missing);
  return binaries;
}
