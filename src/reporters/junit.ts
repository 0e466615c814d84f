import type { ControlResult, ScanRun } from '../model/result.js';
import { describeEvidence, primaryLocation, sectionLabel, type ReportContext } from './report-context.js';
import { benchmarkOf, resultsOf, targetOf } from '../engine/run-index.js';
import { formatLocation } from '../model/fact.js';
import { xmlEscape as x } from './xml.js';

function seconds(run: ScanRun): string {
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0';
}

function details(r: ControlResult): string {
  const lines = r.evidence.map(describeEvidence);
  if (r.reason) lines.push(r.reason);
  if (r.remediation) lines.push(`Remediation: ${r.remediation}`);
  return lines.join('\n');
}

function testcase(run: ScanRun, r: ControlResult, ctx: ReportContext): string {
  const target = targetOf(run, r);
  const loc = primaryLocation(r, target);
  const attrs = [
    `name="${x(`${r.controlId} ${r.title}`)}"`,
    `classname="${x(`${benchmarkOf(run, r)} / ${sectionLabel(r.section, ctx)}`)}"`,
    ...(loc ? [`file="${x(loc.file)}"`] : []),
    ...(loc?.line !== undefined ? [`line="${loc.line}"`] : []),
  ].join(' ');
  const scored = r.scored ? '' : ' (not scored)';
  const first = r.evidence[0];
  const summary = first ? describeEvidence(first) : (r.reason ?? r.title);
  let body = '';
  switch (r.status) {
    case 'fail':
      body = `<failure type="fail" message="${x(`${summary}${scored}`)}">${x(details(r))}</failure>`;
      break;
    case 'error':
      body = `<error type="error" message="${x(r.reason ?? 'the facts could not be collected')}">${x(details(r))}</error>`;
      break;
    case 'manual':
    case 'notApplicable':
      body = `<skipped message="${x(`${r.status === 'manual' ? 'manual' : 'not applicable'}: ${r.reason ?? ''}`.trim())}"/>`;
      break;
    case 'waived': {
      const w = r.waiver;
      const text = w ? `waived until ${w.expires} by ${w.owner}: ${w.reason}` : 'waived';
      body = `<skipped message="${x(text)}"/>`;
      break;
    }
    case 'pass':
      break;
  }
  const where = loc ? formatLocation(loc) : '';
  const out = [
    `check: ${r.checkId ?? '(none)'}`,
    `section: ${sectionLabel(r.section, ctx)}`,
    ...(where ? [`location: ${where}`] : []),
  ].join('\n');
  return `    <testcase ${attrs}>${body}<system-out>${x(out)}</system-out></testcase>`;
}

/**
 * JUnit XML: one testsuite per target, one testcase per control. fail → failure, error → error,
 * manual / notApplicable / waived → skipped (with the reason), pass → an empty testcase. The run's
 * warnings are the system-err of a suite.
 */
export function renderJunit(run: ScanRun, ctx: ReportContext): string {
  const count = (rs: ControlResult[], ...s: ControlResult['status'][]) => rs.filter((r) => s.includes(r.status)).length;
  // Run warnings (a component that will not start, an expired waiver) go to the suite of the target they
  // name, the others to the first: CI shows a suite's system-err beside its tests.
  const warningsOf = new Map<number, string[]>();
  for (const w of run.warnings) {
    const i = Math.max(0, run.targets.findIndex((t) => w.startsWith(t.name)));
    warningsOf.set(i, [...(warningsOf.get(i) ?? []), w]);
  }
  const suites = run.targets.map((t, i) => {
    const rs = resultsOf(run, t);
    const head = `  <testsuite name="${x(`${t.name} (${t.benchmark})`)}" tests="${rs.length}" failures="${count(rs, 'fail')}" errors="${count(rs, 'error')}" skipped="${count(rs, 'manual', 'notApplicable', 'waived')}" timestamp="${x(run.startedAt.replace(/Z$/, ''))}" time="${seconds(run)}">`;
    const props = [
      `    <properties>`,
      `      <property name="target.kind" value="${x(t.kind)}"/>`,
      `      <property name="benchmark" value="${x(t.benchmark)}"/>`,
      ...(t.k8sVersion ? [`      <property name="kubernetes.version" value="${x(t.k8sVersion)}"/>`] : []),
      ...(t.k8sVersionFrom ? [`      <property name="kubernetes.version.from" value="${x(t.k8sVersionFrom)}"/>`] : []),
      `    </properties>`,
    ];
    const warnings = warningsOf.get(i);
    const err = warnings ? [`    <system-err>${x(warnings.map((w) => `warning: ${w}`).join('\n'))}</system-err>`] : [];
    return [head, ...props, ...rs.map((r) => testcase(run, r, ctx)), ...err, '  </testsuite>'].join('\n');
  });
  const rs = run.results;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rke-harden ${x(run.tool.version)}" tests="${rs.length}" failures="${count(rs, 'fail')}" errors="${count(rs, 'error')}" skipped="${count(rs, 'manual', 'notApplicable', 'waived')}" time="${seconds(run)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
