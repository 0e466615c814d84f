import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACKAGE_YAML_DIRS, readPackageYaml, writeCompiledData } from '../../src/catalog/package-yaml.js';
import { PACKAGE_ROOT } from '../../src/catalog/paths.js';

const temps: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-data-'));
  temps.push(d);
  return d;
};
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = tempDir();
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe('package YAML compiled at build time (dist/data.json)', () => {
  it('reads back every data file of the package exactly as its YAML parses', () => {
    const out = path.join(tempDir(), 'data.json');
    const count = writeCompiledData(PACKAGE_ROOT, out);
    expect(count).toBeGreaterThanOrEqual(9);
    const { files } = JSON.parse(fs.readFileSync(out, 'utf8')) as { files: Record<string, unknown> };
    expect(Object.keys(files)).toContain(path.join('distros', 'rke1', 'defaults.yaml'));
    expect(Object.keys(files).every((rel) => PACKAGE_YAML_DIRS.some((d) => rel.startsWith(`${d}${path.sep}`)))).toBe(true);
    for (const rel of Object.keys(files)) {
      const file = path.join(PACKAGE_ROOT, rel);
      expect(readPackageYaml(file, PACKAGE_ROOT, out), rel).toEqual(parse(fs.readFileSync(file, 'utf8')));
    }
  });

  it('takes the compiled value while the text is unchanged, and the YAML once it is edited', () => {
    const root = tree({ 'distros/a.yaml': 'flags:\n  profiling: "false"\n', 'data/lists/b.yml': '- one\n' });
    const out = path.join(root, 'dist', 'data.json');
    expect(writeCompiledData(root, out)).toBe(2);
    // The compiled copy is what is read: a value changed in it (not in the YAML) shows through.
    const compiled = JSON.parse(fs.readFileSync(out, 'utf8')) as { files: Record<string, { value: unknown }> };
    compiled.files[path.join('distros', 'a.yaml')]!.value = { flags: { profiling: 'from the compiled file' } };
    fs.writeFileSync(out, JSON.stringify(compiled));
    const a = path.join(root, 'distros', 'a.yaml');
    expect(readPackageYaml(a, root, out)).toEqual({ flags: { profiling: 'from the compiled file' } });
    expect(readPackageYaml(path.join(root, 'data', 'lists', 'b.yml'), root, out)).toEqual(['one']);

    fs.appendFileSync(a, '  v: "2"\n');
    expect(readPackageYaml(a, root, out)).toEqual({ flags: { profiling: 'false', v: '2' } });
  });

  it('parses the YAML when there is no compiled file or it is unreadable', () => {
    const root = tree({ 'distros/a.yaml': 'x: 1\n' });
    const a = path.join(root, 'distros', 'a.yaml');
    expect(readPackageYaml(a, root, path.join(root, 'missing.json'))).toEqual({ x: 1 });
    fs.writeFileSync(path.join(root, 'broken.json'), '{ truncated');
    expect(readPackageYaml(a, root, path.join(root, 'broken.json'))).toEqual({ x: 1 });
  });

  it('refuses to compile a value JSON would change', () => {
    const root = tree({ 'distros/a.yaml': 'limit: .inf\n' });
    expect(() => writeCompiledData(root, path.join(root, 'data.json'))).toThrow(/distros\/a\.yaml: a value does not survive JSON/);
    expect(fs.existsSync(path.join(root, 'data.json'))).toBe(false);
  });
});
