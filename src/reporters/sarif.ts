import { createHash } from 'node:crypto';
import type { ControlResult, ScanRun } from '../model/result.js';
import type { Location } from '../model/fact.js';
import { describeEvidence, primaryLocation, type ReportContext, type RuleInfo } from './report-context.js';
import { benchmarkOf, targetOf } from '../engine/run-index.js';
import { formatLocation } from '../model/fact.js';
import { jsonChunks } from './json-chunks.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** GitHub code scanning reads rule `security-severity` (0-10) to rank alerts: high ≥ 7, medium ≥ 4, low < 4. */
const SECURITY_SEVERITY: Record<RuleInfo['severity'], string> = { high: '7.5', medium: '5.0', low: '2.5' };

/** Key of partialFingerprints; bump the suffix if the fingerprint recipe ever changes. */
export const FINGERPRINT_KEY = 'rkeHardenFinding/v1';

/** Results without a check (controls decided by hand) still need a stable rule id. */
export function ruleIdOf(r: ControlResult): string {
  return r.checkId ?? `control-${r.controlId}`;
}

/**
 * A finding's identity across runs: the check and the target, not the CIS number (renumbered between
 * benchmark versions) nor the line (edits above it move it).
 */
export function fingerprintOf(r: ControlResult): string {
  return createHash('sha256').update(`${ruleIdOf(r)}\u0000${r.target}`).digest('hex').slice(0, 32);
}

/** An artifact URI for a path: relative paths stay relative (to the repository root), absolute ones become file URIs. */
export function artifactUri(file: string): string {
  const p = file.replace(/\\/g, '/');
  const encoded = p.split('/').map(encodeURIComponent).join('/');
  if (/^[A-Za-z]:\//.test(p)) return `file:///${encoded.replace(/^([A-Za-z])%3A/, '$1:')}`;
  if (p.startsWith('/')) return `file://${encoded}`;
  return encoded.replace(/^(\.\/)+/, '');
}

function physical(l: Location) {
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(l.file) },
      // GitHub needs a startLine to show an alert; a setting that is absent has no line: point at the file's top.
      region: { startLine: l.line ?? 1, ...(l.line !== undefined && l.column !== undefined ? { startColumn: l.column } : {}) },
    },
  };
}

function message(r: ControlResult): string {
  const head = `${r.controlId} ${r.title}`;
  const ev = r.evidence.filter((e) => e.observed !== undefined || e.expected !== undefined).map(describeEvidence);
  const body = ev.length > 0 ? ev.join('; ') : (r.reason ?? '');
  const scored = r.scored ? '' : ' (not scored)';
  return `${head}${scored}${body ? `: ${body}` : ''}. Target: ${r.target}.`;
}

/**
 * A rule's help: its results' remediation, which is per distro. A report of RKE1 and RKE2 targets
 * gives each distro's, labelled, so that no alert shows the other distro's fix.
 */
function remediationOf(run: ScanRun, results: ControlResult[]): string {
  const byDistro = new Map<string, string>();
  for (const r of results) {
    const distro = run.benchmarks.find((b) => b.id === benchmarkOf(run, r))?.distro ?? run.benchmark.distro;
    if (r.remediation && !byDistro.has(distro)) byDistro.set(distro, r.remediation);
  }
  const texts = [...byDistro.entries()];
  if (new Set(texts.map(([, t]) => t)).size <= 1) return texts[0]?.[1] ?? '';
  return texts.map(([d, t]) => `${d.toUpperCase()}: ${t}`).join('\n\n');
}

function ruleFor(id: string, sample: ControlResult, remediation: string, info: RuleInfo | undefined) {
  const title = info?.title ?? sample.title;
  return {
    id,
    name: id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: title },
    fullDescription: { text: info?.rationale ?? title },
    help: {
      text: `${remediation}\n\nMore: rke-harden explain ${id}`.trim(),
      markdown: `${remediation}\n\nMore: \`rke-harden explain ${id}\``.trim(),
    },
    defaultConfiguration: { level: info?.severity === 'low' ? 'warning' : 'error' },
    properties: {
      tags: ['security', 'cis-kubernetes', ...(info ? [info.component] : [])],
      ...(info ? { 'security-severity': SECURITY_SEVERITY[info.severity], severity: info.severity } : {}),
      precision: 'very-high',
    },
  };
}

/** Which results become SARIF results: findings to act on (fail) and accepted ones (waived, suppressed). */
const REPORTED = new Set<ControlResult['status']>(['fail', 'waived']);

/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. One rule per check id (stable across
 * benchmark versions); fail results with the config file location of the evidence; waived results
 * carry an accepted suppression; `error` results and warnings are tool execution notifications.
 * pass, manual and notApplicable results are not findings and are left out (they are in the JSON report).
 * The log as an object.
 */
function sarifLog(run: ScanRun, ctx: ReportContext) {
  const ruleIds: string[] = [];
  const byRule = new Map<string, ControlResult[]>();
  for (const r of run.results) {
    if (!REPORTED.has(r.status) && r.status !== 'error') continue;
    const id = ruleIdOf(r);
    const of = byRule.get(id);
    if (of) of.push(r);
    else {
      byRule.set(id, [r]);
      ruleIds.push(id);
    }
  }
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results = run.results.filter((r) => REPORTED.has(r.status)).map((r) => {
    const id = ruleIdOf(r);
    const target = targetOf(run, r);
    const loc = primaryLocation(r, target);
    return {
      ruleId: id,
      ruleIndex: index.get(id)!,
      kind: 'fail',
      // A waived manual result never failed: a note, not an error the suppression hides.
      level: r.waiver?.status === 'manual' ? 'note' : r.scored ? 'error' : 'warning',
      message: { text: message(r) },
      ...(loc
        ? { locations: [physical(loc)] }
        : { locations: [{ logicalLocations: [{ name: r.target, kind: 'resource' }] }] }),
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprintOf(r) },
      ...(r.status === 'waived'
        ? {
            suppressions: [{
              kind: 'external',
              status: 'accepted',
              justification: r.waiver ? `${r.waiver.reason} (owner ${r.waiver.owner}, expires ${r.waiver.expires}${r.waiver.location ? `, ${formatLocation(r.waiver.location)}` : ''})` : 'waived',
            }],
          }
        : {}),
      properties: {
        controlId: r.controlId,
        benchmark: benchmarkOf(run, r),
        section: r.section,
        scored: r.scored,
        target: r.target,
        ...(r.waiver ? { waiver: r.waiver } : {}),
      },
    };
  });
  const notifications = [
    ...run.results.filter((r) => r.status === 'error').map((r) => ({
      level: 'error',
      message: { text: `${r.controlId} ${r.title} (${r.target}): ${r.reason ?? 'the facts could not be collected'}` },
      associatedRule: { id: ruleIdOf(r), index: index.get(ruleIdOf(r))! },
    })),
    ...run.warnings.map((w) => ({ level: 'warning', message: { text: w } })),
  ];
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: run.tool.name,
          version: run.tool.version,
          semanticVersion: run.tool.version,
          rules: ruleIds.map((id) => {
            const results = byRule.get(id)!;
            return ruleFor(id, results[0]!, remediationOf(run, results), results[0]!.checkId ? ctx.rules[id] : undefined);
          }),
        },
      },
      invocations: [{
        executionSuccessful: !run.results.some((r) => r.status === 'error'),
        startTimeUtc: run.startedAt,
        endTimeUtc: run.finishedAt,
        ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
      }],
      results,
      properties: {
        benchmarks: run.benchmarks.map((b) => b.id),
        targets: run.targets.map((t) => ({ kind: t.kind, name: t.name, benchmark: t.benchmark })),
        summary: run.summary,
      },
    }],
  };
}

/** The SARIF report (sarifLog) as one string. */
export function renderSarif(run: ScanRun, ctx: ReportContext): string {
  return JSON.stringify(sarifLog(run, ctx), null, 2) + '\n';
}

/** The same text in pieces, opened down to each result (log, runs, the run, results): see jsonChunks. */
export function* renderSarifChunks(run: ScanRun, ctx: ReportContext): Generator<string> {
  yield* jsonChunks(sarifLog(run, ctx), 4);
  yield '\n';
}
