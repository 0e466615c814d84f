// Helpers for node-audit tests: build a fixture tree (optionally changed), inject read failures
// through the HostFs port (tests run as root, where chmod 000 cannot deny anything).
import { LocalHostFs } from '../../src/collectors/node/local-host-fs.js';
import { HostReadError, type DirEntry, type HostFs, type HostStat } from '../../src/collectors/node/ports.js';
import { HOST_FIXTURES, type HostFixtureName } from '../fixtures/hosts/index.js';
import { afterEach } from 'vitest';
import { buildHostTree, removeHostTree, type HostSpec } from './host-fixtures.js';

/** Build a named fixture after letting `edit` change its spec. */
export function fixtureTree(name: HostFixtureName, edit: (spec: HostSpec) => void = () => undefined): string {
  const spec = HOST_FIXTURES[name]();
  edit(spec);
  return buildHostTree(spec, `rke-harden-${name}-`);
}

/** A HostFs that answers EACCES (or another code) for the paths `deny` selects, like a real permission error. */
export class DenyingHostFs implements HostFs {
  readonly description: string;
  readonly denied: string[] = [];
  private readonly inner: LocalHostFs;
  constructor(root: string, private readonly deny: (path: string) => boolean, private readonly code = 'EACCES') {
    this.inner = new LocalHostFs(root);
    this.description = root;
  }
  private check(p: string): void {
    if (this.deny(p)) {
      this.denied.push(p);
      throw new HostReadError(p, this.code);
    }
  }
  stat(p: string): HostStat {
    this.check(p);
    return this.inner.stat(p);
  }
  readText(p: string, maxBytes?: number): string {
    this.check(p);
    return this.inner.readText(p, maxBytes);
  }
  list(p: string): DirEntry[] {
    this.check(p);
    return this.inner.list(p);
  }
}

/** `fixtureTree` for one test file: every tree it builds is removed after each test. */
export function fixtureTrees(): (...a: Parameters<typeof fixtureTree>) => string {
  const trees: string[] = [];
  afterEach(() => {
    for (const t of trees.splice(0)) removeHostTree(t);
  });
  return (...a) => {
    const t = fixtureTree(...a);
    trees.push(t);
    return t;
  };
}
