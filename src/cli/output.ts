import type { ScanRun } from '../model/result.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { renderJsonChunks } from '../reporters/json.js';
import { renderText } from '../reporters/text.js';
import { renderJunit } from '../reporters/junit.js';
import { renderSarifChunks } from '../reporters/sarif.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { renderHtmlChunks } from '../reporters/html/html-report.js';
import type { ReportContext, RuleInfo } from '../reporters/report-context.js';
import { usageError } from '../errors/rke-harden-error.js';
import { FORMATS } from './formats.js';
import { blocksOf, writeFileAtomic, type Content } from '../write-file-atomic.js';


/** What the rich reporters know about each check of the run: its title, severity and rationale (from the catalog). */
function ruleInfo(run: ScanRun): Record<string, RuleInfo> {
  const checks = loadCatalog().checks;
  const rules: Record<string, RuleInfo> = {};
  for (const r of run.results) {
    const c = r.checkId ? checks.get(r.checkId) : undefined;
    if (c && !rules[c.id]) rules[c.id] = { title: c.title, severity: c.severity, rationale: c.rationale.trim(), component: c.component };
  }
  return rules;
}

/** The report in its format; JSON, SARIF and HTML in pieces (a run of thousands of files is more than one string can hold). */
export function render(run: ScanRun, format: string, colour: boolean, sectionTitles: Record<string, string>): Content {
  const ctx = (): ReportContext => ({ sectionTitles, rules: ruleInfo(run) });
  switch (format) {
    case 'text':
      return renderText(run, { colour, sectionTitles });
    case 'json':
      return renderJsonChunks(run);
    case 'junit':
      return renderJunit(run, ctx());
    case 'sarif':
      return renderSarifChunks(run, ctx());
    case 'markdown':
      return renderMarkdown(run, ctx());
    case 'html':
      return renderHtmlChunks(run, ctx());
    default:
      throw usageError(`--format ${format}: unknown format (one of ${FORMATS.join(', ')})`);
  }
}

/** Write to --output atomically (temp file + rename), or to stdout. */
export function emit(text: Content, output: string | undefined): void {
  if (!output) {
    for (const block of blocksOf(text)) process.stdout.write(block);
    return;
  }
  writeFileAtomic(output, text);
}
