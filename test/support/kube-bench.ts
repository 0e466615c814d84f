// Where kube-bench (the differential test's reference peer) is: $RKE_HARDEN_KUBE_BENCH_DIR, or the
// cache directory scripts/build-kube-bench.sh builds into (the script names it: --print-dir).
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildScriptPrints, REPO_ROOT } from './build-script.js';

const MOD = join(REPO_ROOT, 'tools/kube-bench');
export const KUBE_BENCH_MODULE = 'github.com/aquasecurity/kube-bench';

export interface KubeBenchInstall {
  /** The cache key directory. */
  dir: string;
  version: string;
  /** bin/kube-bench */
  binary: string;
  /** bin/idle: the stand-in component process. */
  idle: string;
  /** kube-bench's own cfg/ (in the Go module cache): --config-dir. */
  cfgDir: string;
  /** Its helper_scripts/ (upstream's image puts check_files_owner_in_dir.sh on PATH). */
  helperDir: string;
}

export class MissingKubeBenchError extends Error {
  override name = 'MissingKubeBenchError';
}

/** The kube-bench version tools/kube-bench/go.mod pins. */
export function pinnedKubeBenchVersion(): string {
  for (const line of readFileSync(join(MOD, 'go.mod'), 'utf8').split('\n')) {
    const [name, version] = line.trim().split(/\s+/);
    if (name === KUBE_BENCH_MODULE && version?.startsWith('v')) return version;
  }
  throw new Error(`tools/kube-bench/go.mod does not require ${KUBE_BENCH_MODULE}`);
}

/** The key directory scripts/build-kube-bench.sh builds into (it may not exist yet). */
export function kubeBenchCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return buildScriptPrints('build-kube-bench.sh', '--print-dir', env);
}

/** Finds the build, or throws an error that says how to make it. */
export function findKubeBench(env: NodeJS.ProcessEnv = process.env): KubeBenchInstall {
  const dir = env.RKE_HARDEN_KUBE_BENCH_DIR || kubeBenchCacheDir(env);
  const line = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : '');
  const install: KubeBenchInstall = {
    dir,
    version: pinnedKubeBenchVersion(),
    binary: join(dir, 'bin', 'kube-bench'),
    idle: join(dir, 'bin', 'idle'),
    cfgDir: line('cfg-dir'),
    helperDir: line('helper-dir'),
  };
  const problems: string[] = [];
  for (const f of [install.binary, install.idle]) {
    try {
      accessSync(f, constants.X_OK);
    } catch {
      problems.push(`missing ${f}`);
    }
  }
  if (!install.cfgDir || !existsSync(join(install.cfgDir, 'config.yaml'))) problems.push(`no kube-bench cfg/ recorded in ${join(dir, 'cfg-dir')} (or the Go module cache was cleaned)`);
  if (problems.length > 0) {
    throw new MissingKubeBenchError(
      `kube-bench ${install.version} not ready in ${dir}: ${problems.join('; ')}.\n` +
        'Build it (once: a few minutes cold on 2 cores, then reused) with:\n' +
        '  bash scripts/build-kube-bench.sh\n' +
        'or point RKE_HARDEN_KUBE_BENCH_DIR at the directory it prints last.',
    );
  }
  return install;
}
