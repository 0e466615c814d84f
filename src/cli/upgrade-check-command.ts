import { upgradeCheck, type UpgradeReport } from '../upgrade/upgrade-check.js';

function renderUpgrade(r: UpgradeReport): string {
  const out: string[] = [];
  out.push(`Upgrade ${r.distro.toUpperCase()} ${r.from} → ${r.to}: benchmark ${r.benchmarkBefore} → ${r.benchmarkAfter}`);
  if (r.findings.length) {
    out.push('', '== What breaks or changes on the way');
    for (const f of r.findings) {
      const where = f.where?.line ? ` (${f.where.file}:${f.where.line}:${f.where.column})` : '';
      out.push(`[${f.severity === 'blocking' ? 'BLOCKING' : 'WARNING'}] ${f.what}${where}`, `           fix: ${f.fix}`);
    }
  }
  if (r.newFailures.length) {
    out.push('', '== Controls that pass today and fail on the target');
    // A file of several targets (a Rancher Cluster's machineSelectorConfig entries) says which one fails.
    const several = new Set(r.newFailures.map((n) => n.target)).size > 1;
    for (const n of r.newFailures) out.push(`${n.controlId} ${n.title} (${n.checkId})${several ? ` on ${n.target}` : ''}`, ...(n.fix ? [`           fix: ${n.fix}`] : []));
  }
  const group = (kind: string) => r.controls.filter((c) => c.kind === kind);
  if (r.controls.length) {
    out.push('', `== Benchmark changes (${group('added').length} added, ${group('removed').length} removed, ${group('renumbered').length} renumbered, ${group('changed').length} tested differently)`);
    for (const c of group('added')) out.push(`+ ${c.to} ${c.title}`);
    for (const c of group('removed')) out.push(`- ${c.from} ${c.title}`);
    for (const c of group('renumbered')) out.push(`~ ${c.from} → ${c.to} ${c.title}`);
    for (const c of group('changed')) out.push(`* ${c.to} ${c.title} (check ${c.fromCheckId} → ${c.checkId}: rke-harden explain ${c.checkId})`);
  }
  if (r.warnings.length) out.push('', '== Warnings (reading the configuration)', ...r.warnings.map((w) => `- ${w}`));
  out.push('', r.blocking ? 'Result: BLOCKED — fix the blocking items before upgrading.' : 'Result: nothing blocks this upgrade.');
  return out.join('\n') + '\n';
}

/** `upgrade-check`: returns the text (or JSON) and whether something blocks the upgrade. */
export function runUpgradeCheck(o: Parameters<typeof upgradeCheck>[0] & { format: string }): { text: string; blocking: boolean } {
  const r = upgradeCheck(o);
  return { text: o.format === 'json' ? JSON.stringify(r, null, 2) + '\n' : renderUpgrade(r), blocking: r.blocking };
}
