/**
 * The package's own YAML data (distros/, data/) as parsed values, from dist/data.json when the build
 * wrote it. A cold process spends ~80 ms parsing distros/rke1/defaults.yaml alone (the YAML parser is
 * not yet compiled by V8), more than the rest of an `audit config` of a cluster.yml; JSON.parse of
 * the same data costs about a millisecond.
 *
 * Each compiled entry carries the sha256 of the text it was parsed from: the file is still read (a
 * few microseconds) and an entry whose text changed since the build is ignored, so an edit to the
 * data after a build is never hidden by a stale copy.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from './paths.js';
import { writeFileAtomic } from '../write-file-atomic.js';

/** The folders of the package whose YAML files are compiled. */
export const PACKAGE_YAML_DIRS = ['distros', 'data'] as const;

interface CompiledEntry {
  sha256: string;
  value: unknown;
}

export const compiledDataFile = (): string => path.join(PACKAGE_ROOT, 'dist', 'data.json');

const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

const compiledFiles = new Map<string, Record<string, CompiledEntry>>();

function compiledEntries(compiledFile: string): Record<string, CompiledEntry> {
  let entries = compiledFiles.get(compiledFile);
  if (!entries) {
    try {
      entries = (JSON.parse(fs.readFileSync(compiledFile, 'utf8')) as { files: Record<string, CompiledEntry> }).files;
    } catch {
      entries = {}; // not built (tests, a checkout without `npm run build`): every file is parsed
    }
    compiledFiles.set(compiledFile, entries);
  }
  return entries;
}

/**
 * A YAML file of the package (a path under `root`), parsed: the compiled value when its text is
 * unchanged since the build. The value may be shared: callers must not change it.
 */
export function readPackageYaml(file: string, root = PACKAGE_ROOT, compiledFile = compiledDataFile()): unknown {
  const text = fs.readFileSync(file, 'utf8');
  const entry = compiledEntries(compiledFile)[path.relative(root, file)];
  return entry && entry.sha256 === sha256(text) ? entry.value : parse(text);
}

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Parse every YAML file of PACKAGE_YAML_DIRS under `root` and write them to `out` (the build). A value
 * JSON cannot carry as parsed (a date, an infinity) is a build error: the compiled copy must read back
 * exactly as the YAML does.
 */
export function writeCompiledData(root = PACKAGE_ROOT, out = compiledDataFile()): number {
  const files: Record<string, CompiledEntry> = {};
  for (const dir of PACKAGE_YAML_DIRS) {
    for (const file of yamlFiles(path.join(root, dir))) {
      const text = fs.readFileSync(file, 'utf8');
      const value = parse(text) as unknown;
      const rel = path.relative(root, file);
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value)) throw new Error(`${rel}: a value does not survive JSON (a date or an infinity?)`);
      files[rel] = { sha256: sha256(text), value };
    }
  }
  writeFileAtomic(out, JSON.stringify({ files }), { mkdir: true });
  return Object.keys(files).length;
}
