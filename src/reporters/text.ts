import type { ControlResult, ScanRun } from '../model/result.js';
import type { Status } from '../model/status.js';
import { formatLocation } from '../model/fact.js';
import { evidenceValue } from './report-context.js';
import { resultsOf } from '../engine/run-index.js';

const LABEL: Record<Status, string> = {
  pass: 'PASS', fail: 'FAIL', manual: 'MANUAL', notApplicable: 'N/A', error: 'ERROR', waived: 'WAIVED',
};
const COLOUR: Record<Status, number> = { pass: 32, fail: 31, manual: 33, notApplicable: 90, error: 35, waived: 36 };

function where(r: ControlResult): string {
  const l = r.evidence.find((e) => e.location?.line)?.location;
  return l ? ` (${formatLocation(l)})` : '';
}

/**
 * Text from the data (target names, evidence, reasons — a saved snapshot may come from anyone) cannot
 * drive the terminal: control characters are shown as \xNN, and a line break inside a value is a space.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex -- as above; one test first: most lines have none (a report has one line per control)
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const clean = (s: string): string => (!ANY_CONTROL.test(s) ? s : s.replace(/\r?\n/g, ' ').replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));

/** A reason shared by this many manual results of a target is said once. */
const FOLD_AT = 5;

/** The manual results of a target (not waived) grouped by a reason at least FOLD_AT of them share. */
function foldedManual(results: ControlResult[]): Map<string, ControlResult[]> {
  const byReason = new Map<string, ControlResult[]>();
  for (const r of results) {
    if (r.status !== 'manual' || !r.reason || r.waiver) continue;
    const group = byReason.get(r.reason);
    if (group) group.push(r);
    else byReason.set(r.reason, [r]);
  }
  return new Map([...byReason].filter(([, rs]) => rs.length >= FOLD_AT));
}

/** Human report: per target, grouped by section, one line per control, then remediations and a summary. */
export function renderText(run: ScanRun, opts: { colour: boolean; sectionTitles?: Record<string, string> }): string {
  const paint = (s: Status, t: string) => (opts.colour ? `\u001b[${COLOUR[s]}m${t}\u001b[0m` : t);
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines.map(clean));
  push(`rke-harden ${run.tool.version}: ${run.benchmarks.map((b) => b.id).join(', ')}`);
  for (const t of run.targets) {
    const results = resultsOf(run, t);
    push('', `Target (${t.kind}): ${t.name}${t.k8sVersion ? ` — Kubernetes ${t.k8sVersion}${t.k8sVersionFrom ? ` (from ${t.k8sVersionFrom})` : ''}` : ''} — benchmark ${t.benchmark}`);
    // One cause for every error of the target (a file that could not be read, a cluster out of reach): said once.
    const errors = results.filter((r) => r.status === 'error');
    const cause = errors.length > 1 && errors.every((r) => r.reason === errors[0]!.reason) ? errors[0]!.reason : undefined;
    if (cause) push(`${paint('error', '[ERROR]'.padEnd(9))} ${errors.length} controls could not be decided: ${cause}`);
    const detailed = (r: ControlResult) => !(cause && r.status === 'error');
    // Controls another audit decides (a configuration cannot show a file's mode) share their reason: said
    // once with their numbers, so that what this audit decides is not lost among them.
    const folded = foldedManual(results);
    const shown = new Set([...folded.values()].flat());
    let section = '';
    for (const r of results.filter((x) => !shown.has(x))) {
      if (r.section !== section) {
        section = r.section;
        push(`-- ${section} ${opts.sectionTitles?.[section] ?? ''}`.trimEnd());
      }
      const tag = paint(r.status, `[${LABEL[r.status]}]`.padEnd(9));
      const scored = r.scored ? '' : ' (not scored)';
      out.push(`${tag} ${clean(`${r.controlId} ${r.title}${scored}`)}`);
      if ((r.status === 'fail' || r.status === 'error') && detailed(r)) {
        for (const e of r.evidence) {
          const loc = e.location?.line ? ` at ${formatLocation(e.location)}` : '';
          const layer = e.layer ? ` [${e.layer}]` : '';
          push(`          ${evidenceValue(e)}${layer}${loc}`);
        }
      }
      if (r.reason && r.status !== 'pass' && detailed(r)) push(`          ${r.reason}`);
      if (r.waiver) push(`          waived until ${r.waiver.expires} by ${r.waiver.owner}: ${r.waiver.reason}${r.waiver.location ? ` (${formatLocation(r.waiver.location)})` : ''}`);
    }
    if (folded.size) push('-- Decided elsewhere or by hand');
    for (const [reason, rs] of folded) push(`${paint('manual', '[MANUAL]'.padEnd(9))} ${rs.length} controls — ${reason}: ${rs.map((r) => r.controlId).join(', ')}`);
    const failing = results.filter((r) => r.status === 'fail' && r.remediation);
    if (failing.length > 0) {
      push('', '== Remediations');
      for (const r of failing) push(`${r.controlId}${where(r)}: ${r.remediation}`);
    }
  }
  const s = run.summary;
  const scoredFails = run.results.filter((r) => r.status === 'fail' && r.scored).length;
  push('', `== Summary: ${s.pass} pass, ${s.fail} fail (${scoredFails} scored), ${s.manual} manual, ${s.notApplicable} not applicable, ${s.error} error, ${s.waived} waived`);
  if (run.warnings.length > 0) {
    push('', '== Warnings');
    for (const w of run.warnings) push(`- ${w}`);
  }
  return out.join('\n') + '\n';
}
