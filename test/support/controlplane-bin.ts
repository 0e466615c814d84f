// Where the control-plane binaries are: $RKE_HARDEN_CONTROLPLANE_BIN, or the cache directory that
// scripts/build-controlplane.sh builds into. The cache key is computed exactly as that script does:
//   k8s-<k8s.io/kubernetes version>_etcd-<etcd server version>_<sha256(kube go.mod, go.sum, etcd go.mod, go.sum)[0:12]>
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KUBE_MOD = join(REPO_ROOT, 'tools/controlplane/kube');
const ETCD_MOD = join(REPO_ROOT, 'tools/controlplane/etcd');

export interface ControlPlaneBinaries {
  binDir: string;
  kubeApiServer: string;
  kubeControllerManager: string;
  etcd: string;
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
  const { kubernetes, etcd } = pinnedVersions();
  const hash = createHash('sha256');
  for (const file of [join(KUBE_MOD, 'go.mod'), join(KUBE_MOD, 'go.sum'), join(ETCD_MOD, 'go.mod'), join(ETCD_MOD, 'go.sum')]) {
    hash.update(readFileSync(file));
  }
  const key = `k8s-${kubernetes}_etcd-${etcd}_${hash.digest('hex').slice(0, 12)}`;
  const cacheRoot = env.RKE_HARDEN_CACHE || join(env.HOME || homedir(), '.cache', 'rke-harden');
  return join(cacheRoot, 'controlplane', key, 'bin');
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
  const missing = [binaries.kubeApiServer, binaries.kubeControllerManager, binaries.etcd].filter((file) => {
    try {
      accessSync(file, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const where = fromEnv ? `RKE_HARDEN_CONTROLPLANE_BIN=${fromEnv}` : `the build cache ${binDir}`;
    throw new MissingControlPlaneBinariesError(
      `Control-plane binaries not found in ${where} (missing: ${missing.join(', ')}).\n` +
        'Build them (once: about 13 to 20 minutes cold on 2 cores, then reused) with:\n' +
        '  bash scripts/build-controlplane.sh\n' +
        'and, if you build them elsewhere, export RKE_HARDEN_CONTROLPLANE_BIN=<the bin dir it prints last>.',
    );
  }
  return binaries;
}
