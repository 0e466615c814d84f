import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root, from src/catalog (tests) or dist/catalog (installed): data lives beside them. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const dataDir = (name: 'checks' | 'benchmarks' | 'distros' | 'schemas'): string =>
  path.join(PACKAGE_ROOT, name);
