import type { ScanRun } from '../model/result.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { renderJson } from '../reporters/json.js';
import { renderText } from '../reporters/text.js';
import { renderJunit } from '../reporters/junit.js';
import { renderSarif } from '../reporters/sarif.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { renderHtml } from '../reporters/html/html-report.js';
import type { ReportContext, RuleInfo } from '../reporters/report-context.js';
import { usageError } from '../errors/rke-harden-error.js';
import { FORMATS } from './formats.js';
import { writeFileAtomic } from '../write-file-atomic.js';


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

export function render(run: ScanRun, format: string, colour: boolean, sectionTitles: Record<string, string>): string {
  const ctx = (): ReportContext => ({ sectionTitles, rules: ruleInfo(run) });
  switch (format) {
    case 'text':
      return renderText(run, { colour, sectionTitles });
    case 'json':
      return renderJson(run);
    case 'junit':
      return renderJunit(run, ctx());
    case 'sarif':
      return renderSarif(run, ctx());
    case 'markdown':
      return renderMarkdown(run, ctx());
    case 'html':
      return renderHtml(run, ctx());
    default:
      throw usageError(`--format ${format}: unknown format (one of ${FORMATS.join(', ')})`);
  }
}

/** Write to --output atomically (temp file + rename), or to stdout. */
export function emit(text: string, output: string | undefined): void {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  writeFileAtomic(output, text);
}
