/**
 * Namespace exemption lists as data (data/namespace-exemptions/*.yaml): RKE2's built-in list by
 * release, RKE1's built-in restricted list, Rancher's rancher-restricted PSACT and the docs sample,
 * selectable by name and combined with namespaces the user names. Each exempt namespace keeps the
 * reason it is exempt, for the report.
 */
import path from 'node:path';
import * as z from 'zod';
import { PACKAGE_ROOT } from '../../catalog/paths.js';
import { readPackageYaml } from '../../catalog/package-yaml.js';
import { usageError } from '../../errors/rke-harden-error.js';
import { optionItems } from '../../option-items.js';

export const EXEMPTION_LISTS = ['rke2', 'rke1', 'rancher-restricted', 'docs-sample'] as const;
export type ExemptionListName = (typeof EXEMPTION_LISTS)[number];

// Built on first use (a start of the CLI that reads no list pays nothing for it).
const buildListFileSchema = () =>
  z.strictObject({
    name: z.string(),
    description: z.string(),
    namespaces: z.array(z.string()).optional(),
    byVersion: z
      .array(z.strictObject({ ranges: z.array(z.string()).min(1), namespaces: z.array(z.string()), note: z.string().optional() }))
      .optional(),
  });
let listFileSchema: ReturnType<typeof buildListFileSchema> | undefined;
type ListFile = z.infer<ReturnType<typeof buildListFileSchema>>;

export const exemptionsDir = (): string => path.join(PACKAGE_ROOT, 'data', 'namespace-exemptions');

const lists = new Map<ExemptionListName, ListFile>();

/** A list file, read once per process (the data does not change at run time). */
function readList(name: ExemptionListName): ListFile {
  let list = lists.get(name);
  if (!list) {
    const file = path.join(exemptionsDir(), `${name}.yaml`);
    list = (listFileSchema ??= buildListFileSchema()).parse(readPackageYaml(file));
    lists.set(name, list);
  }
  return list;
}

/** [minor, patch, rke2 revision] of "v1.32.13+rke2r2" (`noRevision` when it names none). */
export function versionKey(v: string, noRevision = 0): [number, number, number] {
  const m = /^v?1\.(\d+)(?:\.(\d+))?(?:[-+].*?rke2r(\d+))?/.exec(v.trim());
  if (!m) throw usageError(`"${v}" is not a Kubernetes version`);
  return [Number(m[1]), Number(m[2] ?? 0), m[3] === undefined ? noRevision : Number(m[3])];
}

const compare = (a: number[], b: number[]): number => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

/** "v1.25.2 .. v1.32.13+rke2r1" (inclusive; an empty end is open; an end without +rke2rN takes every revision). */
export function inRange(version: string, range: string): boolean {
  const [from, to] = range.split('..').map((s) => s.trim());
  const v = versionKey(version);
  if (from && compare(v, versionKey(from)) < 0) return false;
  return !to || compare(v, versionKey(to, Infinity)) <= 0;
}

/** The namespaces of one list for a server version (with or without its leading v), and a label naming where they come from. */
export function exemptionList(name: ExemptionListName, gitVersion: string): { namespaces: string[]; label: string } {
  const list = readList(name);
  if (list.namespaces) return { namespaces: list.namespaces, label: `${list.name} list` };
  const entry = list.byVersion?.find((e) => e.ranges.some((r) => inRange(gitVersion, r)));
  return { namespaces: entry?.namespaces ?? [], label: `${list.name} list for ${gitVersion}` };
}

/**
 * Namespace → reason for the chosen lists plus user namespaces. `names` may hold "none" (no list) and
 * comma-separated values.
 */
export function resolveNamespaceExemptions(names: string[], gitVersion: string, extra: string[] = []): Record<string, string> {
  const chosen = optionItems(names);
  const reasons = new Map<string, string[]>();
  const add = (ns: string, why: string) => reasons.set(ns, [...(reasons.get(ns) ?? []), why]);
  for (const name of chosen) {
    if (name === 'none') continue;
    if (!(EXEMPTION_LISTS as readonly string[]).includes(name)) {
      throw usageError(`--exemptions ${name}: unknown list (one of ${[...EXEMPTION_LISTS, 'none'].join(', ')})`);
    }
    const { namespaces, label } = exemptionList(name as ExemptionListName, gitVersion);
    for (const ns of namespaces) add(ns, label);
  }
  for (const ns of extra) add(ns, '--exempt-namespace');
  return Object.fromEntries([...reasons].sort(([a], [b]) => a.localeCompare(b)).map(([ns, why]) => [ns, why.join('; ')]));
}
