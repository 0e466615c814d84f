import { inputError } from '../errors/rke-harden-error.js';
import type { Location } from '../model/fact.js';
import type { LocatedYaml } from './read-yaml-file.js';
import { yaml11Bool, yaml11Int } from './yaml11-scalars.js';

export type YamlPath = (string | number)[];

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The value at `path` in a plain JS value (maps by key, lists by index), or undefined. */
export function valueAtPath(value: unknown, path: YamlPath): unknown {
  let v = value;
  for (const k of path) {
    if (!isRecord(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** Typed reads of a located YAML document that fail with file:line:column and the field name. */
export class YamlAccess {
  /**
   * `yamlV2`: booleans and integers as go-yaml v2 decodes them into typed fields (RKE's `rke up` reads
   * cluster.yml so): a plain `yes` is true, `0644` octal, and a quoted "true" or "52034" is refused.
   */
  constructor(
    readonly y: LocatedYaml,
    readonly warnings: string[],
    readonly opts: { yamlV2?: boolean } = {},
  ) {}

  /** A scalar's go-yaml v2 reading (plain text resolved by `resolve`), or a failure for a quoted one. */
  private asYamlV2<T>(path: YamlPath, what: string, resolve: (text: string) => T | undefined): T | undefined {
    const s = this.y.scalarSource(path);
    if (!s) return undefined;
    if (!s.plain) this.fail(path, `must be ${what}, got the string ${JSON.stringify(s.text)}: rke up (go-yaml v2) refuses a quoted value here, write it unquoted`);
    return resolve(s.text);
  }

  at(path: YamlPath): unknown {
    return valueAtPath(this.y.value, path);
  }

  where(path: YamlPath): string {
    const l = this.y.locate(path);
    return `${l.file}${l.line ? `:${l.line}:${l.column}` : ''}`;
  }

  locate(path: YamlPath): Location {
    return this.y.locate(path);
  }

  fail(path: YamlPath, message: string): never {
    throw inputError(`${this.where(path)}: ${path.join('.')}: ${message}`);
  }

  map(path: YamlPath): Record<string, unknown> | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v)) this.fail(path, `must be a map, got ${Array.isArray(v) ? 'a list' : typeof v}`);
    return v;
  }

  list(path: YamlPath): unknown[] | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(path, `must be a list, got ${typeof v}`);
    return v;
  }

  /** A scalar as its literal text (numbers and booleans as written), or undefined. */
  text(path: YamlPath): string | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) return undefined;
    if (isRecord(v) || Array.isArray(v)) this.fail(path, 'must be a single value, not a map or list');
    return this.y.sourceText(path) ?? String(v);
  }

  /** A string field: numbers/booleans written where text belongs are an error (e.g. kubernetes_version: 1.28). */
  string(path: YamlPath): string | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(path, `must be a string, got ${Array.isArray(v) ? 'a list' : typeof v} (quote it)`);
    return v;
  }

  bool(path: YamlPath): boolean | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) return undefined;
    const v2 = this.opts.yamlV2 ? this.asYamlV2(path, 'true or false', yaml11Bool) : undefined;
    if (v2 !== undefined) return v2;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    return this.fail(path, `must be true or false, got ${JSON.stringify(v)}`);
  }

  int(path: YamlPath): number | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) return undefined;
    const v2 = this.opts.yamlV2 ? this.asYamlV2(path, 'an integer', yaml11Int) : undefined;
    if (v2 !== undefined) return v2;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) this.fail(path, `must be an integer, got ${JSON.stringify(v)}`);
    return n;
  }

  /** Warn (never fail) about keys of the map at path that the distro does not know. */
  warnUnknown(path: YamlPath, known: readonly string[], hint = ''): void {
    const m = this.map(path);
    if (!m) return;
    for (const k of Object.keys(m)) {
      if (!known.includes(k)) {
        const l = this.y.locateKey([...path, k]);
        this.warnings.push(`${l.file}:${l.line}:${l.column}: unknown key ${[...path, k].join('.')}${hint ? ` (${hint})` : ''}: ignored by the distro`);
      }
    }
  }
}
