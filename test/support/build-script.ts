// Where a scripts/build-*.sh puts (or would put) its cached build: the script prints it (--print-dir,
// --print-path), so each cache key is computed in one place, the script.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The last line `bash scripts/<script> <flag>` prints. */
export function buildScriptPrints(script: string, flag: '--print-dir' | '--print-path', env: NodeJS.ProcessEnv = process.env): string {
  const path = join(REPO_ROOT, 'scripts', script);
  const r = spawnSync('bash', [path, flag], { encoding: 'utf8', env });
  const line = r.stdout?.trim().split('\n').at(-1);
  if (r.status !== 0 || !line) throw new Error(`${path} ${flag} failed: ${r.error?.message ?? r.stderr}`);
  return line;
}
