import type { Fact, FactSource, Location } from '../../model/fact.js';
import { flagItems, mapItem } from './flag-items.js';

/** Flags whose repeated occurrences accumulate (StringSlice/map flags); every other flag: last wins. */
export const ACCUMULATING_FLAGS = new Set([
  'enable-admission-plugins', 'disable-admission-plugins', 'authorization-mode', 'tls-cipher-suites',
  'feature-gates', 'runtime-config', 'api-audiences', 'service-account-key-file', 'etcd-servers',
  'service-account-issuer', 'node-labels', 'eviction-hard', 'cipher-suites',
]);

/**
 * Accumulating flags that are maps of `key=value` (component-base MapStringBool / MapStringString /
 * ConfigurationMap): a later occurrence of a key replaces its value, `Gate=false,Gate=true` is true.
 */
export const MAP_FLAGS = new Set(['feature-gates', 'runtime-config', 'node-labels']);

/** Items of a map flag, each key once with its last value, in the order of their last setting. */
function lastPerKey(items: string[]): string[] {
  const byKey = new Map<string, string>();
  for (const item of items) {
    const { key } = mapItem(item);
    byKey.delete(key);
    byKey.set(key, item);
  }
  return [...byKey.values()];
}

/**
 * Whether repeated occurrences of a component's flag accumulate. The kubelet's --authorization-mode is
 * a plain string (the last one wins), unlike kube-apiserver's list of modes.
 */
export function accumulates(component: string | undefined, flag: string): boolean {
  return ACCUMULATING_FLAGS.has(flag) && !(component === 'kubelet' && flag === 'authorization-mode');
}

/** Flags whose values are secret material and never reach a report. */
// manifest-url-header: the kubelet sends it with each static pod manifest fetch (`Authorization:Bearer …`).
export const SECRET_FLAGS = new Set(['token', 'bootstrap-token', 'password', 'basic-auth-password', 'client-key-data', 'manifest-url-header']);

/** Answers by flag name; bounded, since a long-running agent reads flags of any name from the configurations it is given. */
const secretFlag = new Map<string, boolean>();
const SECRET_FLAG_MEMO = 4096;

export function isSecretFlag(flag: string): boolean {
  let secret = secretFlag.get(flag);
  if (secret === undefined) {
    if (secretFlag.size >= SECRET_FLAG_MEMO) secretFlag.clear();
    secretFlag.set(flag, (secret = SECRET_FLAGS.has(flag) || /(^|-)(token|password|secret)$/.test(flag)));
  }
  return secret;
}

/** A URL carrying a password (`scheme://user:pass@host`, also inside a list) is secret whatever the flag is called. */
export function valueLooksSecret(value: string): boolean {
  return value.split(',').some((v) => /^\s*[a-z][a-z0-9+.-]*:\/\/[^/@\s:]+:[^/@\s]+@/i.test(v));
}

/**
 * A `*-arg` item (`flag=value`, or one written wrong: `flag value`) as a warning may quote it: the value
 * of a secret flag or a credential is left out, as it is from facts.
 */
export function shownItem(item: string): string {
  const m = /^([^=\s]*)([=\s]+)([\s\S]*)$/.exec(item);
  if (!m) return item;
  const flag = m[1]!.replace(/^-+/, '').replace(/[+-]$/, '');
  return isSecretFlag(flag) || valueLooksSecret(m[3]!) ? `${m[1]}${m[2]}<redacted>` : item;
}

export interface Provenance {
  source: FactSource;
  layer: string;
  location?: Location;
}

interface Entry extends Provenance {
  value: string;
}

// `<component>.args.<flag>`, one string per pair: a fact key built anew for every audited file costs
// its allocation and, as a property key, its hashing (bench/config). Flag names come from the files
// audited too: past a few hundred per component, new ones are built, not kept.
const factKeys = new Map<string, Map<string, string>>();
function factKey(component: string, flag: string): string {
  let byFlag = factKeys.get(component);
  if (!byFlag) factKeys.set(component, (byFlag = new Map()));
  const known = byFlag.get(flag);
  if (known !== undefined) return known;
  const key = `${component}.args.${flag}`;
  if (byFlag.size < 500) byFlag.set(flag, key);
  return key;
}

const entry = (value: string, p: Provenance): Entry => (p.location ? { value, source: p.source, layer: p.layer, location: p.location } : { value, source: p.source, layer: p.layer });

/** One component's flags, layered, with the provenance of every value. */
export class ArgMap {
  private readonly entries = new Map<string, Entry[]>();

  /** `component` decides which flags accumulate (accumulates()). */
  constructor(readonly component?: string) {}

  /** Replace the flag's value(s). */
  set(flag: string, value: string, p: Provenance): void {
    this.entries.set(flag, [entry(value, p)]);
  }

  /** Add an occurrence after the existing ones (a repeated flag). */
  append(flag: string, value: string, p: Provenance): void {
    this.entries.set(flag, [...(this.entries.get(flag) ?? []), entry(value, p)]);
  }

  /** Add an occurrence before the existing ones. */
  prepend(flag: string, value: string, p: Provenance): void {
    this.entries.set(flag, [entry(value, p), ...(this.entries.get(flag) ?? [])]);
  }

  delete(flag: string): void {
    this.entries.delete(flag);
  }

  has(flag: string): boolean {
    return this.entries.has(flag);
  }

  /** The effective value as the component parses it. */
  get(flag: string): string | undefined {
    const e = this.entries.get(flag);
    if (!e || e.length === 0) return undefined;
    if (accumulates(this.component, flag)) {
      const items = e.flatMap((x) => flagItems(x.value));
      return (MAP_FLAGS.has(flag) ? lastPerKey(items) : [...new Set(items)]).join(',');
    }
    return e[e.length - 1]!.value;
  }

  flags(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** argv as the process would see it (order: flag name, occurrences in order). */
  argv(): string[] {
    return this.flags().flatMap((f) => this.entries.get(f)!.map((e) => `--${f}=${e.value}`));
  }

  /** Facts `<component>.args.<flag>`; provenance is the deciding occurrence (last), or all layers when accumulated. */
  toFacts(component: string): Fact[] {
    return this.flags().map((flag) => {
      const e = this.entries.get(flag)!;
      const last = e[e.length - 1]!;
      const accumulated = ACCUMULATING_FLAGS.has(flag) && e.length > 1;
      // Written out, not spread: this runs for every flag of every component of every audited file.
      const fact: Fact = { key: factKey(component, flag), value: this.get(flag) ?? '', source: last.source, layer: accumulated ? [...new Set(e.map((x) => x.layer))].join(' + ') : last.layer };
      if (last.location) fact.location = last.location;
      if (isSecretFlag(flag)) fact.secret = true;
      return fact;
    });
  }
}
