/**
 * Data files for the single executable (scripts/build-sea.sh). The catalog and the collectors read
 * checks/, benchmarks/, distros/, data/, schemas/ and package.json from the package root, found
 * from `import.meta.url` (src/catalog/paths.ts). In the bundle esbuild replaces `import.meta.url`
 * by `globalThis.__RKE_HARDEN_MODULE_URL`, which this module sets before any other module runs:
 *
 * - as a SEA: the files travel as one asset (`rke-harden-data`, gzipped JSON of path → base64) and
 *   are written once to a private directory keyed by the asset's hash — `$RKE_HARDEN_DATA_DIR`, else
 *   `$XDG_CACHE_HOME/rke-harden/sea-data/<hash>` or `~/.cache/…`, else a temp directory. A reused
 *   directory must be owned by this user, not writable by others, and complete (its marker names
 *   the hash); anything else is rebuilt in a fresh directory and renamed into place.
 * - as a plain bundle (`node rke-harden.cjs`): the package root is two levels above the bundle.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const SEA_DATA_ASSET = 'rke-harden-data';
const MARKER = '.rke-harden-data-complete';

declare global {
  var __RKE_HARDEN_MODULE_URL: string | undefined;
}

interface Archive {
  files: Record<string, string>;
}

/**
 * A real directory (not a link) of this user's (or, `orRoot`, root's) that no one else may write:
 * nothing in it can be swapped under us.
 */
function ownPrivateDir(dir: string, orRoot = false): boolean {
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.();
  return st.isDirectory() && (uid === undefined || st.uid === uid || (orRoot && st.uid === 0)) && (st.mode & 0o022) === 0;
}

function safeToReuse(dir: string, hash: string): boolean {
  try {
    // The parent too: another user's parent (a /tmp/rke-harden-0 made in advance) could swap the directory.
    if (!ownPrivateDir(path.dirname(dir), true) || !ownPrivateDir(dir)) return false;
    return fs.readFileSync(path.join(dir, MARKER), 'utf8').trim() === hash;
  } catch {
    return false;
  }
}

/** Write the archive's files under a new directory next to `target`, then rename it into place. */
function extract(archive: Archive, target: string, hash: string): string {
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
  if (!ownPrivateDir(parent, true)) throw new Error(`${parent} is not a private directory of this user's (or root's)`);
  const tmp = fs.mkdtempSync(path.join(parent, '.tmp-'));
  for (const [rel, b64] of Object.entries(archive.files)) {
    const file = path.resolve(tmp, rel);
    if (!file.startsWith(tmp + path.sep)) throw new Error(`embedded data: ${rel} leaves its directory`);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, Buffer.from(b64, 'base64'), { mode: 0o600 });
  }
  fs.writeFileSync(path.join(tmp, MARKER), `${hash}\n`, { mode: 0o600 });
  try {
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
    return target;
  } catch {
    return tmp; // another process won the race, or the target is not ours: use our own copy
  }
}

function candidates(hash: string): string[] {
  const env = process.env;
  if (env.RKE_HARDEN_DATA_DIR) return [env.RKE_HARDEN_DATA_DIR];
  const out: string[] = [];
  const cache = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined);
  if (cache) out.push(path.join(cache, 'rke-harden', 'sea-data', hash));
  out.push(path.join(os.tmpdir(), `rke-harden-${process.getuid?.() ?? 'u'}`, hash));
  return out;
}

/** The directory that holds the embedded data, extracted if needed. */
export function embeddedDataDir(asset: ArrayBuffer): string {
  const bytes = Buffer.from(asset);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const archive = JSON.parse(gunzipSync(bytes).toString('utf8')) as Archive;
  let lastError: unknown;
  for (const dir of candidates(hash)) {
    if (safeToReuse(dir, hash)) return dir;
    try {
      return extract(archive, dir, hash);
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(`cannot write the embedded data files (set RKE_HARDEN_DATA_DIR to a writable directory): ${(lastError as Error)?.message}`);
}

/**
 * node:sea, when this Node has it. Synchronously, through process.getBuiltinModule (Node 20.16+):
 * a single executable's main script can neither import() nor require() it otherwise.
 */
export function seaModule(): typeof import('node:sea') | undefined {
  try {
    return process.getBuiltinModule?.('node:sea') as typeof import('node:sea') | undefined;
  } catch {
    return undefined;
  }
}

/** Set the package root for the bundle; a no-op where `import.meta.url` is real (tsc, tsx). */
export async function prepareEmbeddedData(): Promise<void> {
  const sea = seaModule();
  const root = sea?.isSea() ? embeddedDataDir(sea.getAsset(SEA_DATA_ASSET)) : path.resolve(path.dirname(process.argv[1] ?? '.'), '..', '..');
  // paths.ts takes the package root as two directories above its own module.
  globalThis.__RKE_HARDEN_MODULE_URL ??= pathToFileURL(path.join(root, 'src', 'catalog', 'paths.js')).href;
}
