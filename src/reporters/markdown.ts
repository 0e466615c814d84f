import type { ControlResult, ScanRun } from '../model/result.js';
import { STATUSES, type Status } from '../model/status.js';
import { describeEvidence, primaryLocation, sectionLabel, type ReportContext } from './report-context.js';
import { resultsOf, targetOf } from '../engine/run-index.js';
import { formatLocation } from '../model/fact.js';

/** GitHub rejects comments over 65,536 characters; stay below with room for a header added by the CI job. */
export const MARKDOWN_LIMIT = 60_000;

/** Text safe inside a Markdown table cell: no pipes, no line breaks, no HTML. */
export function cell(s: string): string {
  return s
    .replace(/\r\n|\r|\n/g, ' ') // a lone CR is a line break to CommonMark too
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]]/g, (m) => `\\${m}`)
    .replace(/\|/g, '\\|');
}

/** A code span that survives any backticks inside. */
export function code(s: string): string {
  const clean = s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

const count = (rs: ControlResult[], s: Status) => rs.filter((r) => r.status === s).length;

function headline(run: ScanRun): string {
  const fails = run.results.filter((r) => r.status === 'fail');
  const scored = fails.filter((r) => r.scored).length;
  const errors = count(run.results, 'error');
  if (fails.length === 0 && errors === 0) return 'no failing controls';
  const parts = [];
  if (fails.length > 0) parts.push(`${fails.length} failing control${fails.length === 1 ? '' : 's'} (${scored} scored)`);
  if (errors > 0) parts.push(`${errors} not evaluated (error)`);
  return parts.join(', ');
}

/**
 * Markdown for pull-request comments: a summary table per target, then failures with where and what
 * was found, errors, waivers and warnings. Remediations are folded in <details>. Long reports are cut
 * at `limit` characters with a line saying how many entries were left out.
 */
export function renderMarkdown(run: ScanRun, ctx: ReportContext, limit = MARKDOWN_LIMIT): string {
  const out: string[] = [];
  out.push(`## rke-harden: ${headline(run)}`, '');
  out.push(`Benchmark${run.benchmarks.length > 1 ? 's' : ''}: ${run.benchmarks.map((b) => code(b.id)).join(', ')} · rke-harden ${cell(run.tool.version)}`, '');
  out.push('| Target | Benchmark | Fail | Error | Manual | Waived | Pass | N/A |', '|---|---|--:|--:|--:|--:|--:|--:|');
  for (const t of run.targets) {
    const rs = resultsOf(run, t);
    const fails = count(rs, 'fail');
    const scored = rs.filter((r) => r.status === 'fail' && r.scored).length;
    out.push(`| ${cell(t.name)} | ${code(t.benchmark)} | ${fails > 0 ? `**${fails}** (${scored} scored)` : '0'} | ${count(rs, 'error')} | ${count(rs, 'manual')} | ${count(rs, 'waived')} | ${count(rs, 'pass')} | ${count(rs, 'notApplicable')} |`);
  }
  const s = run.summary;
  const total = STATUSES.reduce((a, k) => a + s[k], 0);
  out.push(`| **All** (${total} results) | | **${s.fail}** | ${s.error} | ${s.manual} | ${s.waived} | ${s.pass} | ${s.notApplicable} |`, '');

  const blocks: string[][] = [];
  const failing = run.results.filter((r) => r.status === 'fail').sort((a, b) => Number(b.scored) - Number(a.scored));
  if (failing.length > 0) {
    const rows = failing.map((r) => {
      const loc = formatLocation(primaryLocation(r, targetOf(run, r)));
      const found = r.evidence.map(describeEvidence).join('; ') || r.reason || '';
      return `| ${code(r.controlId)}${r.scored ? '' : ' (not scored)'} | ${cell(r.title)} | ${cell(r.target)} | ${loc ? code(loc) : ''} | ${cell(found)} |`;
    });
    blocks.push(['### Failures', '', '| Control | Title | Target | Where | Found |', '|---|---|---|---|---|', ...rows, '']);
    const fixes = new Map<string, string>();
    for (const r of failing) if (r.remediation) fixes.set(`${r.checkId ?? r.controlId}\u0000${r.remediation}`, `- **${cell(r.controlId)}** ${r.checkId ? `${code(r.checkId)}` : ''}: ${cell(r.remediation)}`);
    if (fixes.size > 0) blocks.push(['<details><summary>How to fix</summary>', '', ...fixes.values(), '', '</details>', '']);
  }
  const errors = run.results.filter((r) => r.status === 'error');
  if (errors.length > 0) {
    blocks.push(['### Not evaluated (error)', '', '| Control | Title | Target | Reason |', '|---|---|---|---|',
      ...errors.map((r) => `| ${code(r.controlId)} | ${cell(r.title)} | ${cell(r.target)} | ${cell(r.reason ?? '')} |`), '']);
  }
  const waived = run.results.filter((r) => r.status === 'waived');
  if (waived.length > 0) {
    blocks.push(['### Waived', '', '| Control | Title | Target | Owner | Expires | Reason |', '|---|---|---|---|---|---|',
      ...waived.map((r) => `| ${code(r.controlId)} | ${cell(r.title)} | ${cell(r.target)} | ${cell(r.waiver?.owner ?? '')} | ${cell(r.waiver?.expires ?? '')} | ${cell(r.waiver?.reason ?? '')}${r.waiver?.location ? ` (${code(formatLocation(r.waiver.location))})` : ''} |`), '']);
  }
  const manual = run.results.filter((r) => r.status === 'manual');
  if (manual.length > 0) {
    const bySection = new Map<string, number>();
    for (const r of manual) bySection.set(r.section, (bySection.get(r.section) ?? 0) + 1);
    blocks.push([`<details><summary>${manual.length} controls to check by hand or with another audit</summary>`, '',
      ...[...bySection].map(([sec, n]) => `- ${cell(sectionLabel(sec, ctx))}: ${n}`), '', '</details>', '']);
  }
  if (run.warnings.length > 0) blocks.push(['### Warnings', '', ...run.warnings.map((w) => `- ${cell(w)}`), '']);

  return fitBlocks(out.join('\n') + '\n', blocks, limit);
}

/** A block's name for the note of what was left out: its heading or summary line. */
function blockName(block: string[]): string {
  return block[0]!.replace(/^### /, '').replace(/^<details><summary>(.*)<\/summary>$/, '$1');
}

/**
 * The blocks that fit in `limit` after the head. The first block that does not fit is cut where the
 * limit falls, with a note saying so; every later block still goes in whole if it fits (warnings and
 * waivers are short), and one that does not is named in a last note with its line count.
 */
function fitBlocks(head: string, blocks: string[][], limit: number): string {
  const NOTE_ROOM = 400;
  let text = head;
  let cut = false;
  const left: { name: string; lines: number }[] = [];
  for (const block of blocks) {
    const whole = block.join('\n') + '\n';
    if (text.length + whole.length + (cut ? NOTE_ROOM : 0) <= limit) {
      text += whole;
      continue;
    }
    if (cut) {
      left.push({ name: blockName(block), lines: block.length });
      continue;
    }
    // Keep as many lines of this block as fit, leaving room for the notes.
    let kept = 0;
    for (const line of block) {
      if (text.length + line.length + 2 * NOTE_ROOM > limit) break;
      text += line + '\n';
      kept++;
    }
    cut = true;
    text += `\n_…${block.length - kept} more line${block.length - kept === 1 ? '' : 's'} of ${blockName(block)} left out to fit a comment; see the full report (\`-o html\` or \`-o json\`)._\n\n`;
  }
  if (left.length) text += `_Also left out: ${left.map((l) => `${l.name} (${l.lines} lines)`).join(', ')}._\n`;
  return text;
}

