import fs from 'node:fs';
import path from 'node:path';
import { formatLocation, type Location } from '../../model/fact.js';
import { readYamlFile, type LocatedYaml } from '../read-yaml-file.js';
import { yaml11Bool, yaml11Int } from '../yaml11-scalars.js';
import { isRecord, valueAtPath } from '../yaml-access.js';
import { inputError } from '../../errors/rke-harden-error.js';
import { MAP_FLAGS, shownItem } from '../../engine/effective/arg-map.js';
import { flagItems, mapItem } from '../../engine/effective/flag-items.js';
import { KNOWN_KEYS } from './rke2-keys.js';

/** One value of a merged key, with the file position it came from. */
export interface SettingItem {
  value: string;
  location: Location;
  file: string;
}

/** A merged RKE2 setting: scalars hold one item, list keys many. */
export interface Setting {
  key: string;
  items: SettingItem[];
  list: boolean;
}

export interface MergedConfig {
  files: string[];
  settings: Map<string, Setting>;
  /** A list a later layer replaced, leaving out items of the earlier one (file:line:column first). */
  warnings: string[];
}

/** `file:line:column` of a setting (a YAML position always has both). */
/**
 * What an item sets: for an `*-arg` item its flag (`flag=value`, `flag+=…`), and for a map flag each
 * key too (`feature-gates=A=true,B=false` sets feature-gates:A and feature-gates:B); for other lists the
 * whole item.
 */
function itemNames(key: string, value: string): string[] {
  if (!key.endsWith('-arg')) return [value];
  const text = value.replace(/^-+/, '');
  const eq = text.indexOf('=');
  const flag = (eq < 0 ? text : text.slice(0, eq)).replace(/[+-]$/, '');
  if (!MAP_FLAGS.has(flag) || eq < 0) return [flag];
  return flagItems(text.slice(eq + 1)).map((kv) => `${flag}:${mapItem(kv).key}`);
}

/**
 * A warning when `next` replaces a list of `prev` and leaves some of its items out: RKE2 and Rancher
 * replace a key, they do not merge lists, and the hardening flags of a base file are lost that way.
 * An item counts as kept when the new list sets the same flag (another value is an override, seen).
 */
function lostItems(key: string, prev: Setting, next: SettingItem[], keyAt: Location, rancher: boolean): string | undefined {
  if (!prev.list || prev.items.length === 0) return undefined;
  const names = new Set(next.flatMap((i) => itemNames(key, i.value)));
  const lost = prev.items.filter((i) => itemNames(key, i.value).some((n) => !names.has(n)));
  if (lost.length === 0) return undefined;
  const shown = lost.slice(0, 5).map((i) => shownItem(i.value)).join(', ') + (lost.length > 5 ? `, … (${lost.length} items)` : '');
  const how = rancher ? 'Rancher merges the config maps key by key: repeat them in this list' : `write ${key}+: to append instead`;
  return `${formatLocation(keyAt)}: ${key} replaces the list set at ${formatLocation(prev.items[0]!.location)}: ${shown} ${lost.length === 1 ? 'no longer applies' : 'no longer apply'} (${how})`;
}

function scalarText(y: LocatedYaml, p: (string | number)[], v: unknown, key: string): string {
  if (isRecord(v) || Array.isArray(v)) {
    const l = y.locate(p);
    throw inputError(`${l.file}:${l.line}:${l.column}: ${key}: must be a single value`);
  }
  const source = y.scalarSource(p);
  if (!source) return String(v);
  return source.plain ? asK3sReadsIt(source.text) : source.text;
}

/**
 * A plain scalar as RKE2 passes it on: k3s reads config.yaml with yaml.v2 (YAML 1.1) into untyped values
 * and prints each as the flag's value, so `protect-kernel-defaults: yes` is `true` and `0600` (octal)
 * is `384`. A quoted scalar is text as written.
 */
function asK3sReadsIt(text: string): string {
  const bool = yaml11Bool(text);
  if (bool !== undefined) return String(bool);
  if (/^0[0-7]+$/.test(text)) return String(yaml11Int(text));
  return text;
}

/**
 * Merge config.yaml and its drop-ins as RKE2 does: files in order, a later file replaces a key
 * (lists included), and a key ending in `+` appends to what is there. Keys `skip` selects are left
 * out (those Rancher never writes to a machine).
 */
export function mergeRke2Config(documents: (LocatedYaml | { y: LocatedYaml; at: (string | number)[] })[], skip: (rawKey: string) => boolean = () => false): MergedConfig {
  const into: MergedConfig = { files: [], settings: new Map(), warnings: [] };
  const warned = new Set<LocatedYaml>();
  for (const d of documents) {
    const { y, at } = 'at' in d ? d : { y: d, at: [] as (string | number)[] };
    if (!warned.has(y)) into.warnings.push(...y.warnings); // a Rancher Cluster's maps share one file
    warned.add(y);
    // An empty or comment-only file (or map) sets nothing, as RKE2 reads it.
    const map = valueAtPath(y.value, at) ?? {};
    if (!isRecord(map)) {
      const l = y.locate(at);
      throw inputError(`${formatLocation(l)}: ${at.length ? at.join('.') : 'an RKE2 config file'} must be a map of settings`);
    }
    into.files.push(y.file);
    for (const [rawKey, v] of Object.entries(map)) {
      if (skip(rawKey)) continue;
      const append = rawKey.endsWith('+');
      const key = append ? rawKey.slice(0, -1) : rawKey;
      const list = Array.isArray(v);
      // RKE2 skips a key it does not know whatever its value ("Unknown flag … skipping"): Harvester keeps its
      // audit policy in config.yaml.d. Its place is kept for the warning; its content is never read.
      const items: SettingItem[] = !KNOWN_KEYS.has(key) && (list || isRecord(v))
        ? [{ value: '', location: y.locate([...at, rawKey]), file: y.file }]
        : list
        ? (v as unknown[]).map((x, i) => ({ value: scalarText(y, [...at, rawKey, i], x, rawKey), location: y.locate([...at, rawKey, i]), file: y.file }))
        : v === null ? [] : [{ value: scalarText(y, [...at, rawKey], v, rawKey), location: y.locate([...at, rawKey]), file: y.file }];
      const prev = into.settings.get(key);
      if (append && prev) into.settings.set(key, { key, items: [...prev.items, ...items], list: true });
      else {
        // A map inside a file (`at`) is a Rancher Cluster's machineGlobalConfig or selector entry.
        const lost = prev && list ? lostItems(key, prev, items, y.locate([...at, rawKey]), at.length > 0) : undefined;
        if (lost) into.warnings.push(lost);
        into.settings.set(key, { key, items, list: list || append });
      }
    }
  }
  return into;
}

/** config.yaml plus config.yaml.d/*.yaml|*.yml in lexical order (drop-ins count even without the main file). */
export function readRke2ConfigFiles(mainFile: string): LocatedYaml[] {
  return [...(fs.existsSync(mainFile) ? [readYamlFile(mainFile, { duplicateKeys: 'lastWins' })] : []), ...readRke2DropIns(mainFile)];
}

/**
 * The drop-in files of a config file, without the file itself, as RKE2 finds them (k3s dotDFiles):
 * entries of <file>.d that are not directories, named *.yaml or *.yml in any letter case, in name order.
 */
export function rke2DropInFiles(mainFile: string): string[] {
  let entries: fs.Dirent[];
  try {
    // Most configurations have no drop-in directory: a stat says so for a tenth of a thrown ENOENT.
    if (!fs.statSync(`${mainFile}.d`, { throwIfNoEntry: false })) return [];
    entries = fs.readdirSync(`${mainFile}.d`, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return []; // no drop-in directory
    throw e;
  }
  return rke2DropInNames(entries.map((e) => ({ name: e.name, dir: e.isDirectory() }))).map((n) => path.join(`${mainFile}.d`, n));
}

/** Which entries of a `.d` directory RKE2 reads, in its order: not directories, *.yaml or *.yml in any letter case, by name. */
export function rke2DropInNames(entries: { name: string; dir: boolean }[]): string[] {
  return entries.filter((e) => !e.dir && /\.ya?ml$/i.test(e.name)).map((e) => e.name).sort();
}

/** A drop-in parsed; an empty one sets nothing (RKE2 accepts it). */
export const readRke2DropIn = (file: string): LocatedYaml => readYamlFile(file, { allowEmpty: true, duplicateKeys: 'lastWins' });

/** The drop-ins of a config file, parsed. */
export function readRke2DropIns(mainFile: string): LocatedYaml[] {
  return rke2DropInFiles(mainFile).map(readRke2DropIn);
}
