import { createHash } from 'node:crypto';
import type { ControlResult, ScanRun } from '../../model/result.js';
import { STATUSES, type Status } from '../../model/status.js';
import { compareDotted, primaryLocation, sectionLabel, STATUS_LABEL, STATUS_ORDER, type ReportContext, type Target } from '../report-context.js';
import { benchmarkOf, resultsOf, targetOf } from '../../engine/run-index.js';
import { formatLocation } from '../../model/fact.js';
import { CLIENT_SCRIPT } from './client-script.js';
import { h } from './escape.js';
import { statusChart, type ChartRow } from './status-chart.js';
import { STYLES } from './styles.js';

const STATUS_NAME: Record<Status, string> = {
  fail: 'Fail', error: 'Error', manual: 'Manual', waived: 'Waived', pass: 'Pass', notApplicable: 'Not applicable',
};

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');

function zero(): Record<Status, number> {
  return Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
}

function countBy(results: ControlResult[]): Record<Status, number> {
  const c = zero();
  for (const r of results) c[r.status]++;
  return c;
}

function sectionsOf(results: ControlResult[]): string[] {
  return [...new Set(results.map((r) => r.section))].sort(compareDotted);
}

function evidenceTable(r: ControlResult): string {
  if (r.evidence.length === 0) return '';
  const rows = r.evidence.map((e) => {
    const source = [e.source, e.layer].filter(Boolean).join(': ');
    return `<tr><td><code>${h(e.fact)}</code></td><td>${h(e.observed ?? '')}</td><td>${h(e.expected ?? '')}</td><td>${h(source)}</td><td>${e.location ? `<code>${h(formatLocation(e.location))}</code>` : ''}</td></tr>`;
  });
  return `<table class="evidence"><thead><tr><th>Fact</th><th>Observed</th><th>Expected</th><th>Source</th><th>Location</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function waiverBlock(r: ControlResult): string {
  if (!r.waiver) return '';
  const w = r.waiver;
  const entry = w.location ? ` (<code>${h(formatLocation(w.location))}</code>)` : '';
  return `<p class="waiver"><strong>Waived</strong> by ${h(w.owner)} until <time>${h(w.expires)}</time>: ${h(w.reason)}${entry}</p>`;
}

function resultItem(run: ScanRun, r: ControlResult, ctx: ReportContext): string {
  const target = targetOf(run, r);
  const loc = formatLocation(primaryLocation(r, target));
  const rule = r.checkId ? ctx.rules[r.checkId] : undefined;
  const attrs = [
    `class="result s-${r.status}"`,
    `data-status="${r.status}"`,
    `data-section="${h(r.section)}"`,
    `data-target="${h(r.target)}"`,
    `data-scored="${r.scored}"`,
  ].join(' ');
  const meta: string[] = [];
  if (r.checkId) meta.push(`<dt>Check</dt><dd><code>${h(r.checkId)}</code>${rule ? ` · severity ${h(rule.severity)}` : ''} · <code>rke-harden explain ${h(r.checkId)}</code></dd>`);
  meta.push(`<dt>Benchmark</dt><dd>${h(benchmarkOf(run, r))} · ${r.scored ? 'scored' : 'not scored'}</dd>`);
  if (loc) meta.push(`<dt>Where</dt><dd><code>${h(loc)}</code></dd>`);
  if (r.reason) meta.push(`<dt>Reason</dt><dd>${h(r.reason)}</dd>`);
  if (rule) meta.push(`<dt>Why</dt><dd>${h(rule.rationale)}</dd>`);
  if (r.remediation) meta.push(`<dt>Remediation</dt><dd>${h(r.remediation)}</dd>`);
  return [
    `<details ${attrs}>`,
    `<summary><span class="badge">${STATUS_LABEL[r.status]}</span><span class="id">${h(r.controlId)}</span>`,
    `<span class="title">${h(r.title)}</span>`,
    r.scored ? '' : '<span class="tag">not scored</span>',
    loc && (r.status === 'fail' || r.status === 'waived') ? `<span class="where">${h(loc)}</span>` : '',
    '</summary>',
    `<div class="body">${waiverBlock(r)}<dl>${meta.join('')}</dl>${evidenceTable(r)}</div>`,
    '</details>',
  ].join('');
}

function targetSection(run: ScanRun, t: Target, ctx: ReportContext): string {
  const rs = resultsOf(run, t);
  const c = countBy(rs);
  const sections = sectionsOf(rs).map((sec) => {
    const items = rs.filter((r) => r.section === sec).map((r) => resultItem(run, r, ctx));
    return `<section class="section" data-group><h3>${h(sectionLabel(sec, ctx))}</h3>${items.join('')}</section>`;
  });
  const counts = STATUS_ORDER.filter((s) => c[s] > 0).map((s) => `${c[s]} ${STATUS_NAME[s].toLowerCase()}`).join(' · ');
  return [
    `<section class="target" data-group>`,
    `<h2>${h(t.name)}</h2>`,
    `<p class="meta">${h(t.kind)} target · benchmark ${h(t.benchmark)}${t.k8sVersion ? ` · Kubernetes ${h(t.k8sVersion)}${t.k8sVersionFrom ? ` (from ${h(t.k8sVersionFrom)})` : ''}` : ''} · ${h(counts)}</p>`,
    ...sections,
    '</section>',
  ].join('');
}

function tiles(run: ScanRun): string {
  return `<div class="tiles">${STATUS_ORDER.map((s) =>
    `<button type="button" class="tile s-${s}" data-status="${s}" aria-pressed="false" title="Show only ${h(STATUS_NAME[s].toLowerCase())}"><span class="n">${run.summary[s]}</span><span class="l">${h(STATUS_NAME[s])}</span></button>`,
  ).join('')}</div>`;
}

function chart(run: ScanRun, ctx: ReportContext): string {
  const rows: ChartRow[] = [{ section: '', label: 'All sections', counts: countBy(run.results) }];
  for (const sec of sectionsOf(run.results)) {
    rows.push({ section: sec, label: sectionLabel(sec, ctx), counts: countBy(run.results.filter((r) => r.section === sec)) });
  }
  const legend = STATUS_ORDER.map((s) => `<li class="s-${s}">${h(STATUS_NAME[s])}</li>`).join('');
  return `<div class="chart panel">${statusChart(rows)}<ul class="legend">${legend}</ul></div>`;
}

function waiversTable(run: ScanRun): string {
  const waived = run.results.filter((r) => r.status === 'waived');
  if (waived.length === 0) return '';
  const rows = waived.map((r) =>
    `<tr><td><code>${h(r.controlId)}</code></td><td>${h(r.title)}</td><td>${h(r.target)}</td><td>${h(r.waiver?.owner ?? '')}</td><td><time>${h(r.waiver?.expires ?? '')}</time></td><td>${h(r.waiver?.reason ?? '')}</td></tr>`,
  );
  return `<h2 id="waivers">Waived controls (${waived.length})</h2><div class="panel"><table><thead><tr><th>Control</th><th>Title</th><th>Target</th><th>Owner</th><th>Expires</th><th>Reason</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function warnings(run: ScanRun): string {
  if (run.warnings.length === 0) return '';
  return `<h2 id="warnings">Warnings (${run.warnings.length})</h2><div class="panel"><ul>${run.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul></div>`;
}

function filters(run: ScanRun, ctx: ReportContext): string {
  const statusBoxes = STATUS_ORDER.map((s) =>
    `<label class="s-${s}"><input type="checkbox" name="status" value="${s}" checked> ${h(STATUS_NAME[s])}</label>`,
  ).join('');
  const sectionOptions = sectionsOf(run.results).map((s) => `<option value="${h(s)}">${h(sectionLabel(s, ctx))}</option>`).join('');
  const targetOptions = run.targets.map((t) => `<option value="${h(t.name)}">${h(t.name)}</option>`).join('');
  return [
    '<form id="filters" class="filters" role="search" aria-label="Filter results">',
    '<input type="search" id="q" placeholder="Search id, title, check, evidence, file…" aria-label="Search results" autocomplete="off">',
    `<fieldset><legend>Status</legend>${statusBoxes}</fieldset>`,
    `<select id="section" aria-label="Section"><option value="">All sections</option>${sectionOptions}</select>`,
    `<select id="target" aria-label="Target"><option value="">All targets</option>${targetOptions}</select>`,
    '<label><input type="checkbox" id="scored"> Scored only</label>',
    '<button type="reset">Reset</button>',
    `<span class="shown" id="shown" aria-live="polite">Showing ${run.results.length} of ${run.results.length}</span>`,
    '</form>',
  ].join('');
}

/**
 * A self-contained HTML report: inline CSS and script (allowed by hash in a Content-Security-Policy
 * that forbids every network fetch), a summary by status and section with an SVG chart, filters by
 * status, section, target and scored, a search box, and per control its evidence, remediation and waiver.
 * Its lines: the page is these joined by line breaks.
 */
function htmlLines(run: ScanRun, ctx: ReportContext): string[] {
  const benchmarks = run.benchmarks.map((b) => b.id).join(', ');
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${sha256(STYLES)}'`,
    `script-src 'sha256-${sha256(CLIENT_SCRIPT)}'`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const scoredFails = run.results.filter((r) => r.status === 'fail' && r.scored).length;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${h(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<meta name="generator" content="rke-harden ${h(run.tool.version)}">`,
    `<title>${h(`rke-harden report: ${benchmarks}`)}</title>`,
    `<style>${STYLES}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header>',
    `<h1>CIS audit: ${h(benchmarks)}</h1>`,
    `<p class="meta">rke-harden ${h(run.tool.version)} · ${run.targets.length} target${run.targets.length === 1 ? '' : 's'} · started <time datetime="${h(run.startedAt)}">${h(run.startedAt)}</time> · ${run.summary.fail} failing (${scoredFails} scored)</p>`,
    '</header>',
    '<h2 id="summary">Summary</h2>',
    tiles(run),
    chart(run, ctx),
    waiversTable(run),
    warnings(run),
    '<h2 id="results">Results</h2>',
    '<noscript><p class="meta">Filtering needs JavaScript; every result is listed below.</p></noscript>',
    filters(run, ctx),
    '<p class="empty" id="none" hidden>No result matches these filters.</p>',
    ...run.targets.map((t) => targetSection(run, t, ctx)),
    '</main>',
    `<script>${CLIENT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ];
}

/** The HTML report (htmlLines) as one string. */
export function renderHtml(run: ScanRun, ctx: ReportContext): string {
  return htmlLines(run, ctx).join('\n');
}

/** The same page in pieces (a line, then its line break): the results of thousands of files are more than one string can hold. */
export function* renderHtmlChunks(run: ScanRun, ctx: ReportContext): Generator<string> {
  const lines = htmlLines(run, ctx);
  for (let i = 0; i < lines.length; i++) yield i === lines.length - 1 ? lines[i]! : `${lines[i]}\n`;
}
