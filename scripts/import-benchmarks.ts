/**
 * Developer tool: regenerate benchmarks/*.yaml from Rancher's security-scan profiles (Apache-2.0 data,
 * ../shared/reference/rancher/security-scan-cfg). Control ids, titles, sections, scored and the CIS
 * automated/manual designation are taken as data; each control is bound to one of our checks by its
 * (group, title), never to upstream shell audits. Profiles are written as overlays on the closest
 * already-written profile. Run: npx tsx scripts/import-benchmarks.ts [--ref DIR]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadChecks } from '../src/catalog/load-catalog.js';
import type { Control, ProfileFile } from '../src/model/benchmark.js';
import { dataDir } from '../src/catalog/paths.js';
import { DISTRO_HOST_CONTROLS, HOST_CONTROLS, PROFILE_ORDER, SELECTS, bindingDecision, normaliseTitle } from './import-benchmarks-rules.js';

const refArg = process.argv.indexOf('--ref');
const ref = refArg > 0 ? process.argv[refArg + 1]! : path.resolve('..', 'shared', 'reference', 'rancher', 'security-scan-cfg');

interface UpstreamCheck { id: string; text: string; type?: string; scored: string; remediation?: string }
interface UpstreamGroup { id: string; text: string; type?: string; checks?: UpstreamCheck[] }
interface UpstreamFile { id: string; text: string; type: string; groups: UpstreamGroup[] }

const errors: string[] = [];
const { checks } = loadChecks(dataDir('checks'), errors);
if (errors.length) throw new Error(errors.join('\n'));

/** (group|normalised title) → the checks claiming it: one for every profile, others for some (ref.profiles). */
const byTitle = new Map<string, { id: string; profiles?: string[] }[]>();
for (const c of checks.values()) {
  for (const ref of c.cis) {
    const key = `${ref.group}|${normaliseTitle(ref.title)}`;
    const claims = byTitle.get(key) ?? [];
    const clash = claims.find((o) => (!o.profiles && !ref.profiles) || o.profiles?.some((p) => ref.profiles?.includes(p)));
    if (clash) throw new Error(`title claimed twice: ${key} by ${clash.id} and ${c.id}`);
    byTitle.set(key, [...claims, { id: c.id, ...(ref.profiles ? { profiles: ref.profiles } : {}) }]);
  }
}

/** The check a profile binds a title to: the one naming the profile, else the one for every profile. */
function checkFor(key: string, profile: string): string | undefined {
  const claims = byTitle.get(key) ?? [];
  return (claims.find((c) => c.profiles?.includes(profile)) ?? claims.find((c) => !c.profiles))?.id;
}

const unbound = new Map<string, Set<string>>();

function readProfile(profile: string): { controls: Control[]; sectionTitles: Record<string, string> } {
  const controls: Control[] = [];
  const sectionTitles: Record<string, string> = {};
  for (const target of ['master', 'etcd', 'controlplane', 'node', 'policies'] as const) {
    const file = path.join(ref, profile, `${target}.yaml`);
    if (!fs.existsSync(file)) continue;
    // failsafe: every scalar stays text, so ids like 5.10 are not read as 5.1.
    const doc = parse(joinContinuedQuotes(fs.readFileSync(file, 'utf8')), { schema: 'failsafe' }) as UpstreamFile;
    sectionTitles[String(doc.id)] = doc.text;
    for (const group of doc.groups ?? []) {
      sectionTitles[group.id] = group.text;
      for (const u of group.checks ?? []) {
        const automation = /\(Manual\)\s*$/.test(u.text) ? 'manual' : 'automated';
        const title = u.text.replace(/\s*\((Automated|Manual)\)\s*$/, '').trim();
        const checkId = checkFor(`${group.id}|${normaliseTitle(title)}`, profile)
          ?? checkFor(`${u.id.split('.').slice(0, 2).join('.')}|${normaliseTitle(title)}`, profile);
        const upstreamType = group.type === 'skip' ? 'skip' : u.type;
        const decision = bindingDecision({ profile, id: u.id, upstreamType, remediation: u.remediation ?? '', checkId });
        if (decision.kind === 'manual' && !checkId) {
          const set = unbound.get(`${group.id} ${title}`) ?? new Set<string>();
          set.add(`${profile}:${u.id}`);
          unbound.set(`${group.id} ${title}`, set);
        }
        if (controls.some((c) => c.id === u.id)) {
          // Upstream data bug (rke-cis-1.23/1.24-hardened list 1.1.21 in etcd.yaml and master.yaml): keep the first.
          console.error(`${profile}: duplicate control ${u.id} in ${target}.yaml dropped`);
          continue;
        }
        controls.push({
          id: u.id,
          title,
          section: group.id,
          type: target,
          scored: String(u.scored) === 'true',
          automation,
          ...(decision.kind === 'check' ? { check: decision.value } : {}),
          ...(decision.kind === 'manual' ? { manual: decision.value } : {}),
          ...(decision.kind === 'notApplicable' ? { notApplicable: decision.value } : {}),
        });
      }
    }
  }
  const permissive = profile.endsWith('-permissive');
  const distro = profile.startsWith('rke2-') ? 'rke2' : 'rke1';
  const host: (Omit<Control, 'scored'> & { scored?: boolean })[] = [...HOST_CONTROLS, ...DISTRO_HOST_CONTROLS[distro]];
  for (const h of host) controls.push({ ...h, scored: h.scored ?? !permissive });
  sectionTitles['0'] = 'Host requirements (Rancher hardening guides)';
  return { controls, sectionTitles };
}

/**
 * Upstream files continue some double-quoted titles on a line no more indented than the key, which Go's
 * yaml.v2 accepts and YAML 1.2 parsers reject: join such lines into the quoted scalar.
 */
function joinContinuedQuotes(text: string): string {
  return text.replace(/(text: "[^"\n]*)\n\s+([^"\n]*")/g, '$1 $2');
}

const same = (a: Control, b: Control) => JSON.stringify(a) === JSON.stringify(b);

/** The overlay that turns parent into child: only changed fields, added and removed controls. */
function overlay(parent: Control[], child: Control[]) {
  const p = new Map(parent.map((c) => [c.id, c]));
  const c = new Map(child.map((x) => [x.id, x]));
  const override: Record<string, unknown>[] = [];
  const add: Control[] = [];
  const remove = parent.filter((x) => !c.has(x.id)).map((x) => x.id);
  for (const ctl of child) {
    const base = p.get(ctl.id);
    if (!base) { add.push(ctl); continue; }
    if (same(base, ctl)) continue;
    const o: Record<string, unknown> = { id: ctl.id };
    for (const k of ['title', 'section', 'type', 'scored', 'automation'] as const) {
      if (base[k] !== ctl[k]) o[k] = ctl[k];
    }
    if (base.check !== ctl.check || base.manual !== ctl.manual || base.notApplicable !== ctl.notApplicable) {
      if (ctl.check) o.check = ctl.check;
      if (ctl.manual) o.manual = ctl.manual;
      if (ctl.notApplicable) o.notApplicable = ctl.notApplicable;
    }
    override.push(o);
  }
  return { override, add, remove, size: override.length + add.length + remove.length };
}

/** The section titles an overlay states: those its parent lacks or titles otherwise (1.8's "Control Plane" for "Master"). */
function titlesOver(parent: Record<string, string>, own: Record<string, string>): { sectionTitles?: Record<string, string> } {
  const differ = Object.fromEntries(Object.entries(own).filter(([k, v]) => parent[k] !== v));
  return Object.keys(differ).length ? { sectionTitles: differ } : {};
}

const written = new Map<string, Control[]>();
/** Each written profile's section titles as upstream gives them (an overlay inherits its parent's). */
const writtenTitles = new Map<string, Record<string, string>>();
for (const profile of PROFILE_ORDER) {
  const { controls, sectionTitles } = readProfile(profile);
  const distro = profile.startsWith('rke2-') ? 'rke2' : 'rke1';
  const cisVersion = /cis-(\d+\.\d+)/.exec(profile)![1]!;
  const variant = profile.endsWith('-permissive') ? 'permissive' : profile.endsWith('-hardened') ? 'hardened' : 'default';
  let best: { id: string; ov: ReturnType<typeof overlay>; cost: number } | undefined;
  for (const [id, parent] of written) {
    if (!id.startsWith(distro === 'rke2' ? 'rke2-' : 'rke-')) continue;
    const ov = overlay(parent, controls);
    // Prefer a parent of the same variant (hardened/permissive) unless another is much closer.
    const cost = ov.size + (id.endsWith('-permissive') === profile.endsWith('-permissive') ? 0 : 10);
    if (!best || cost < best.cost) best = { id, ov, cost };
  }
  const file: ProfileFile = {
    id: profile,
    distro,
    cisVersion,
    variant,
    description: `CIS Kubernetes Benchmark ${cisVersion}${variant === 'default' ? '' : ` (${variant})`} as Rancher applies it to ${distro === 'rke2' ? 'RKE2' : 'RKE1'}`,
    ...(SELECTS[profile] ? { selects: SELECTS[profile] } : {}),
    ...(best
      ? {
          extends: best.id,
          ...(best.ov.override.length ? { override: best.ov.override as ProfileFile['override'] } : {}),
          ...(best.ov.add.length ? { add: best.ov.add } : {}),
          ...(best.ov.remove.length ? { remove: best.ov.remove } : {}),
          ...titlesOver(writtenTitles.get(best.id)!, sectionTitles),
        }
      : { sectionTitles, controls }),
  };
  written.set(profile, controls);
  writtenTitles.set(profile, sectionTitles);
  const header = `# GENERATED by scripts/import-benchmarks.ts from Rancher security-scan profile ${profile}\n# (Apache-2.0, see NOTICE). Control data only; bindings to our checks by CIS title. Do not edit by hand.\n`;
  fs.writeFileSync(path.join(dataDir('benchmarks'), `${profile}.yaml`), header + stringify(file, { lineWidth: 0 }));
}

for (const [title, where] of [...unbound].sort()) {
  console.error(`manual (no check): ${title}  [${[...where].slice(0, 3).join(', ')}${where.size > 3 ? ', …' : ''}]`);
}
console.error(`wrote ${written.size} profiles`);
