import { isRecord } from '../config/yaml-access.js';
import type * as z from 'zod';
import { inputError } from '../errors/rke-harden-error.js';
import type { Location } from '../model/fact.js';
import { readYamlFile, type LocatedYaml } from '../config/read-yaml-file.js';
import { WaiverFileSchema, type WaiverEntry } from './waiver-schema.js';

/** A validated waiver and where it was written. */
export interface Waiver extends WaiverEntry {
  location: Location;
}

export interface KnownIds {
  checks?: ReadonlySet<string>;
  controls?: ReadonlySet<string>;
}

const where = (l: Location) => `${l.file}${l.line !== undefined ? `:${l.line}:${l.column ?? 1}` : ''}`;

function pathText(path: PropertyKey[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '');
}

/** Where a path was written; for a missing key, the map that lacks it. */
function locateNearest(y: LocatedYaml, path: (string | number)[]): Location {
  for (let n = path.length; n >= 0; n--) {
    const loc = y.locate(path.slice(0, n));
    if (loc.line !== undefined) return loc;
  }
  return { file: y.file };
}

function issueLines(y: LocatedYaml, error: z.ZodError): string[] {
  const lines = error.issues.flatMap((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        loc: y.locateKey([...path, key]),
        text: `${pathText([...path, key])}: unknown key (allowed: ${allowedKeys(path)})`,
      }));
    }
    const at = pathText(path);
    return [{ loc: locateNearest(y, path), text: `${at ? `${at}: ` : ''}${issue.message}` }];
  });
  lines.sort((a, b) => (a.loc.line ?? Infinity) - (b.loc.line ?? Infinity) || (a.loc.column ?? 0) - (b.loc.column ?? 0));
  return lines.map((l) => `${where(l.loc)}: ${l.text}`);
}

function allowedKeys(path: (string | number)[]): string {
  return path.length === 0 ? 'waivers' : 'control, check, benchmark, target, reason, owner, expires';
}

/**
 * Parse a waiver file (strict: unknown keys, missing fields, bad dates are errors). Every problem is
 * reported at once, one line each, as file:line:column; unknown check or control ids are errors too.
 */
export function parseWaivers(y: LocatedYaml, known: KnownIds = {}): Waiver[] {
  const parsed = WaiverFileSchema.safeParse(y.value);
  // Ids are checked on every entry that names one, so that an unknown id shows with the other problems.
  const problems = [...(parsed.success ? [] : issueLines(y, parsed.error)), ...unknownIds(y, known)];
  if (problems.length > 0) throw inputError(byPosition(problems).join('\n'));
  return parsed.data!.waivers.map((w, i): Waiver => ({ ...w, location: y.locate(['waivers', i]) }));
}

/** Problems as file:line:column lines, in the file's order. */
function byPosition(lines: string[]): string[] {
  const at = (l: string) => (/:(\d+):(\d+): /.exec(l) ?? []).slice(1).map(Number);
  return [...lines].sort((a, b) => (at(a)[0] ?? 0) - (at(b)[0] ?? 0) || (at(a)[1] ?? 0) - (at(b)[1] ?? 0));
}

/** Entries naming a check or a control that no check or benchmark has. */
function unknownIds(y: LocatedYaml, known: KnownIds): string[] {
  const entries = isRecord(y.value) && Array.isArray(y.value.waivers) ? y.value.waivers : [];
  return entries.flatMap((w: unknown, i) => {
    if (!isRecord(w)) return [];
    const out: string[] = [];
    if (typeof w.check === 'string' && known.checks && !known.checks.has(w.check)) {
      out.push(`${where(y.locate(['waivers', i, 'check']))}: waivers[${i}].check: no check named ${w.check} (see \`rke-harden explain\`)`);
    }
    if (typeof w.control === 'string' && known.controls && !known.controls.has(w.control)) {
      out.push(`${where(y.locate(['waivers', i, 'control']))}: waivers[${i}].control: no benchmark has a control ${w.control}`);
    }
    return out;
  });
}

export function loadWaivers(file: string, known: KnownIds = {}): Waiver[] {
  return parseWaivers(readYamlFile(file), known);
}
