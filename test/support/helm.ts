// helm for the e2e tests: $RKE_HARDEN_HELM, else the cache scripts/build-helm.sh builds into (it
// builds helm from its Go module).
import fs from 'node:fs';
import { buildScriptPrints } from './build-script.js';

/** The helm binary, or undefined when it has not been built. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const p = env.RKE_HARDEN_HELM || buildScriptPrints('build-helm.sh', '--print-path', env);
  return fs.existsSync(p) ? p : undefined;
}

/** The helm binary, or an error that says how to build it. */
export function helmPath(): string {
  const p = findHelm();
  if (!p) throw new Error('no helm: set RKE_HARDEN_HELM or run scripts/build-helm.sh (builds helm from its Go module, cached)');
  return p;
}
