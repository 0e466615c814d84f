import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogCodeFingerprint, catalogFingerprint, catalogListing, readCompiledCatalog, writeCompiledCatalog } from '../../src/catalog/compiled-catalog.js';
import { loadCatalogFromYaml } from '../../src/catalog/load-catalog.js';
import { dataDir, PACKAGE_ROOT } from '../../src/catalog/paths.js';

const dirs = { checks: dataDir('checks'), benchmarks: dataDir('benchmarks') };
const temps: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-catalog-'));
  temps.push(d);
  return d;
};
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the catalog's YAML to edit, and where its compiled file goes. */
function copiedCatalog(): { root: string; copy: typeof dirs; file: string } {
  const root = tempDir();
  const copy = { checks: path.join(root, 'checks'), benchmarks: path.join(root, 'benchmarks') };
  fs.cpSync(dirs.checks, copy.checks, { recursive: true });
  fs.cpSync(dirs.benchmarks, copy.benchmarks, { recursive: true });
  return { root, copy, file: path.join(root, 'catalog.json') };
}

describe('compiled catalog (dist/catalog.json)', () => {
  it('reads back exactly the catalog the YAML gives', () => {
    const yaml = loadCatalogFromYaml(dirs);
    const file = path.join(tempDir(), 'catalog.json');
    writeCompiledCatalog(yaml, catalogFingerprint(dirs), file);
    const compiled = readCompiledCatalog(() => catalogFingerprint(dirs), file);
    expect(compiled).toBeDefined();
    expect([...compiled!.checks.keys()]).toEqual([...yaml.checks.keys()]);
    expect(compiled!.checks).toEqual(yaml.checks);
    expect(compiled!.benchmarks).toEqual(yaml.benchmarks);
  });

  it('is ignored once a check or a profile changes after it was compiled, or when it is unreadable', () => {
    const { root, copy, file } = copiedCatalog();
    writeCompiledCatalog(loadCatalogFromYaml(copy), catalogFingerprint(copy), file);
    expect(readCompiledCatalog(() => catalogFingerprint(copy), file)).toBeDefined();

    const check = path.join(copy.checks, 'kubelet', 'kubelet-anonymous-auth-disabled', 'check.yaml');
    fs.appendFileSync(check, '\n# edited after the build\n');
    expect(readCompiledCatalog(() => catalogFingerprint(copy), file)).toBeUndefined();
    fs.writeFileSync(check, fs.readFileSync(path.join(dirs.checks, 'kubelet', 'kubelet-anonymous-auth-disabled', 'check.yaml')));
    expect(readCompiledCatalog(() => catalogFingerprint(copy), file)).toBeDefined();

    fs.appendFileSync(path.join(copy.benchmarks, 'rke-cis-1.23-hardened.yaml'), '\n# a profile edited after the build\n');
    expect(readCompiledCatalog(() => catalogFingerprint(copy), file)).toBeUndefined();

    expect(readCompiledCatalog(() => { throw new Error('no file: the fingerprint is not computed'); }, path.join(root, 'missing.json'))).toBeUndefined();
    fs.writeFileSync(file, '{ truncated');
    expect(readCompiledCatalog(() => catalogFingerprint(copy), file)).toBeUndefined();
  });

  it('files with the size and time the build listed are not hashed again; any other time or size makes the content decide', () => {
    const { copy, file } = copiedCatalog();
    writeCompiledCatalog(loadCatalogFromYaml(copy), catalogFingerprint(copy), file, undefined, catalogListing(copy));
    const notHashed = () => {
      throw new Error('hashed although the listing matched');
    };
    const read = (fingerprint: () => string) => readCompiledCatalog(fingerprint, file, () => undefined, () => catalogListing(copy));
    expect(read(notHashed)).toBeDefined();
    // The same content at another time (a package unpacked, a checkout): the content hash says it is the same.
    const check = path.join(copy.checks, 'kubelet', 'kubelet-anonymous-auth-disabled', 'check.yaml');
    fs.utimesSync(check, new Date('2001-01-01'), new Date('2001-01-01'));
    expect(() => read(notHashed)).toThrow(/hashed/);
    expect(read(() => catalogFingerprint(copy))).toBeDefined();
    // An edit of the same size: the time changed, so the content is hashed and the copy refused.
    const text = fs.readFileSync(check, 'utf8');
    fs.writeFileSync(check, text.replace('high', 'HIGH'));
    expect(fs.statSync(check).size).toBe(Buffer.byteLength(text));
    expect(read(() => catalogFingerprint(copy))).toBeUndefined();
  });

  it('in a checkout, is ignored once the code that compiles it (src/catalog, src/model) changed; an installed package has no src/ to compare', () => {
    const root = tempDir();
    for (const d of ['src/catalog', 'src/model']) fs.cpSync(path.join(PACKAGE_ROOT, d), path.join(root, d), { recursive: true });
    const file = path.join(root, 'catalog.json');
    const fingerprint = () => catalogFingerprint(dirs);
    writeCompiledCatalog(loadCatalogFromYaml(dirs), catalogFingerprint(dirs), file, catalogCodeFingerprint(root));
    expect(readCompiledCatalog(fingerprint, file, () => catalogCodeFingerprint(root))).toBeDefined();
    fs.appendFileSync(path.join(root, 'src/catalog/load-catalog.ts'), '\n// the loader changed after the build\n');
    expect(readCompiledCatalog(fingerprint, file, () => catalogCodeFingerprint(root))).toBeUndefined();
    const installed = tempDir(); // dist/ only
    expect(catalogCodeFingerprint(installed)).toBeUndefined();
    expect(readCompiledCatalog(fingerprint, file, () => catalogCodeFingerprint(installed))).toBeDefined();
  });
});
