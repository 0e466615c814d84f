import { HostNotFound, type HostFs, type HostStat } from '../../collectors/node/ports.js';

/** A host file system holding a few files in memory: Rancher's inline file content, seen at its node path. */
export class InlineHostFs implements HostFs {
  readonly description = 'inline content';
  constructor(private readonly files: Record<string, string>) {}

  stat(path: string): HostStat {
    if (!(path in this.files)) throw new HostNotFound(path);
    return { kind: 'file', mode: 0o600, uid: 0, gid: 0, size: this.files[path]!.length };
  }

  readText(path: string): string {
    const text = this.files[path];
    if (text === undefined) throw new HostNotFound(path);
    return text;
  }

  list(path: string): never {
    throw new HostNotFound(path);
  }
}
