import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import type { ControlResult, ScanRun } from '../../src/model/result.js';
import { renderJunit } from '../../src/reporters/junit.js';
import { stderrWarnings } from '../../src/cli/emit-run.js';
import { renderText } from '../../src/reporters/text.js';
import { cell, code, renderMarkdown } from '../../src/reporters/markdown.js';
import { renderHtml } from '../../src/reporters/html/html-report.js';
import { CLIENT_SCRIPT } from '../../src/reporters/html/client-script.js';
import { STYLES } from '../../src/reporters/html/styles.js';
import { EMPTY_CONTEXT, configFileOf, primaryLocation, type ReportContext } from '../../src/reporters/report-context.js';
import { summarise } from '../../src/engine/scan-run.js';

const HOSTILE = `<img src=x onerror=alert(1)> & "quotes" 'apos' | pipe \`tick\` \u0001 </script>`;

function run(results: ControlResult[], targets: ScanRun['targets'] = [{ kind: 'config', name: 'clusters/a/config.yaml', benchmark: 'rke2-cis-1.11' }]): ScanRun {
  return {
    schemaVersion: '1',
    tool: { name: 'rke-harden', version: '9.9.9' },
    benchmark: { id: 'rke2-cis-1.11', distro: 'rke2', cisVersion: '1.11' },
    benchmarks: [{ id: 'rke2-cis-1.11', distro: 'rke2', cisVersion: '1.11' }],
    targets,
    results,
    summary: summarise(results),
    warnings: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:02.500Z',
  };
}

const base = { section: '1.2', scored: true, target: 'clusters/a/config.yaml', evidence: [] };
const sample: ControlResult[] = [
  { ...base, controlId: '1.2.1', checkId: 'apiserver-anonymous-auth-disabled', title: 'Anonymous auth is off', status: 'fail',
    evidence: [{ fact: 'kube-apiserver.args.anonymous-auth', observed: 'true', expected: 'false', source: 'config', layer: 'config.yaml', location: { file: 'clusters/a/config.yaml', line: 3, column: 5 } }],
    remediation: 'Remove anonymous-auth=true.' },
  { ...base, controlId: '1.2.2', checkId: 'x', title: 'Waived one', status: 'waived', waiver: { reason: 'accepted by security review 42', owner: 'team-platform', expires: '2099-12-31' } },
  { ...base, controlId: '1.2.3', title: 'Manual one', status: 'manual', reason: 'decided by `audit node`' },
  { ...base, controlId: '1.2.4', checkId: 'y', title: 'Passing', status: 'pass' },
  { ...base, section: '4.2', controlId: '4.2.1', checkId: 'z', title: 'Errored', status: 'error', reason: 'permission denied' },
  { ...base, section: '4.2', controlId: '4.2.2', title: 'N/A', status: 'notApplicable', reason: 'no etcd' },
];
const ctx: ReportContext = {
  sectionTitles: { '1.2': 'API Server', '4.2': 'Kubelet' },
  rules: { 'apiserver-anonymous-auth-disabled': { title: 'kube-apiserver rejects anonymous requests', severity: 'high', rationale: 'Because.', component: 'kube-apiserver' } },
};

/** Enough of an XML well-formedness check for our output: tags nest, attributes are quoted, no bare & or <. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  // eslint-disable-next-line no-control-regex
  expect(body).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  expect(body).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
  const stack: string[] = [];
  // A tag: <name attrs>, </name> or <name attrs/>; attribute values are double-quoted without < inside.
  const tag = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    expect(body.slice(last, m.index)).not.toMatch(/[<>]/);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) stack.push(name!);
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

describe('JUnit', () => {
  it('one testsuite per target, one testcase per control; counts agree with the summary', async () => {
    const r = await runCli(['audit', 'config', 'examples/', '--k8s-version', 'v1.31.4+rke2r1', '-o', 'junit']);
    const json = JSON.parse((await runCli(['audit', 'config', 'examples/', '--k8s-version', 'v1.31.4+rke2r1', '-o', 'json'])).stdout) as ScanRun;
    assertWellFormedXml(r.stdout);
    expect(r.stdout.match(/<testsuite /g)).toHaveLength(json.targets.length);
    expect(r.stdout.match(/<testcase /g)).toHaveLength(json.results.length);
    const s = json.summary;
    expect(r.stdout).toContain(`<testsuites name="rke-harden ${json.tool.version}" tests="${json.results.length}" failures="${s.fail}" errors="${s.error}" skipped="${s.manual + s.notApplicable + s.waived}"`);
    // The run's warnings: in the suite of the target they name, and on stderr (the text report on a
    // terminal shows them itself: not twice there).
    expect(json.warnings.length).toBeGreaterThan(2);
    const rejected = json.warnings.find((w) => /cis-1\.23 is rejected/.test(w))!;
    const suite = r.stdout.split('<testsuite ').find((t) => t.includes('system-err') && t.includes('rancher-rke2/cluster.yaml'))!;
    expect(suite).toContain(`warning: ${rejected}`.replace(/"/g, '&quot;'));
    expect(r.stdout.match(/<system-err>/g)!.length).toBeLessThanOrEqual(json.targets.length);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual(json.warnings.map((w) => `rke-harden: warning: ${w}`));
    const text = await runCli(['audit', 'config', 'examples/', '--k8s-version', 'v1.31.4+rke2r1']);
    expect(text.stdout).toContain(rejected);
    expect(text.stderr).toBe('');
  });

  it('fail → failure with evidence and file/line; error → error; manual, N/A and waived → skipped with the reason', () => {
    const xml = renderJunit(run(sample), ctx);
    assertWellFormedXml(xml);
    expect(xml).toMatch(/<testcase name="1\.2\.1 Anonymous auth is off" classname="rke2-cis-1\.11 \/ 1\.2 API Server" file="clusters\/a\/config\.yaml" line="3"><failure type="fail" message="kube-apiserver\.args\.anonymous-auth = true; expected false \[config\.yaml\] at clusters\/a\/config\.yaml:3:5">/);
    expect(xml).toContain('Remediation: Remove anonymous-auth=true.');
    expect(xml).toContain('<skipped message="waived until 2099-12-31 by team-platform: accepted by security review 42"/>');
    expect(xml).toContain('<skipped message="manual: decided by `audit node`"/>');
    expect(xml).toContain('<error type="error" message="permission denied">');
    expect(xml).toMatch(/<testcase name="1\.2\.4 Passing"[^>]*><system-out>/);
    expect(xml).toContain('time="2.500"');
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    const xml = renderJunit(run([{ ...sample[0]!, title: HOSTILE, evidence: [{ fact: 'f', observed: HOSTILE }] }], [{ kind: 'config', name: HOSTILE, benchmark: 'b' }]), ctx);
    assertWellFormedXml(xml);
    expect(xml).not.toContain('<img');
    expect(xml).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &apos;apos&apos;');
    expect(xml).toContain('\uFFFD');
  });

  it('warnings beyond the first 20 are counted on stderr, not printed; none when the text report on stdout shows them, or for `report`', () => {
    const warnings = Array.from({ length: 25 }, (_, i) => `w${i}`);
    const lines = stderrWarnings(warnings, { format: 'json' }).split('\n').filter(Boolean);
    expect(lines).toEqual([...warnings.slice(0, 20).map((w) => `rke-harden: warning: ${w}`), 'rke-harden: … 5 more warnings in the report']);
    expect(stderrWarnings(warnings, { format: 'text' })).toBe('');
    expect(stderrWarnings(warnings.slice(0, 1), { format: 'text', output: 'r.txt' })).toBe('rke-harden: warning: w0\n');
    expect(stderrWarnings(warnings, { format: 'json', warnOnStderr: false })).toBe('');
    const xml = renderJunit({ ...run(sample), warnings: warnings.slice(0, 2) }, ctx);
    assertWellFormedXml(xml);
    expect(xml).toContain('<system-err>warning: w0\nwarning: w1</system-err>');
  });
});

describe('text', () => {
  it('data cannot drive the terminal or break lines: control characters shown as \\xNN, line breaks as spaces', () => {
    const evil = 'evil\u001b]0;pwned\u0007\u001b[2J\nFAKE LINE';
    const text = renderText(run([{ ...sample[0]!, target: evil, reason: evil, evidence: [{ fact: 'f', observed: evil, location: { file: 'c.yml', line: 3 } }] }], [{ kind: 'config', name: evil, benchmark: 'b' }]), { colour: true });
    expect(text.includes('\u0007') || text.includes('\u001b]') || text.includes('\u001b[2J')).toBe(false);
    expect(text).toContain('evil\\x1b]0;pwned\\x07\\x1b[2J FAKE LINE');
    expect(text.split('\n').some((l) => l.startsWith('FAKE LINE'))).toBe(false);
    expect(text).toContain(' at c.yml:3'); // no ":undefined" for a location without a column
    expect(text).toContain('\u001b[31m[FAIL]'); // its own colours still work
  });
});

describe('text: what another audit decides is said once per target', () => {
  it('five or more manual results sharing a reason are one line with their numbers; the others are listed as before', () => {
    const elsewhere = ['1.1.1', '1.1.2', '1.1.3', '1.1.4', '4.1.1'].map((controlId) => ({ ...base, section: controlId.slice(0, 3), controlId, title: `File ${controlId}`, status: 'manual' as const, reason: 'decided by `audit node`: a config target cannot show it' }));
    const waived = { ...elsewhere[0]!, controlId: '1.1.5', title: 'Waived file', status: 'waived' as const, waiver: { reason: 'r', owner: 'o', expires: '2099-01-01' } };
    const text = renderText(run([...sample, ...elsewhere, waived]), { colour: false, sectionTitles: ctx.sectionTitles });
    expect(text).toContain('-- Decided elsewhere or by hand\n[MANUAL]  5 controls — decided by `audit node`: a config target cannot show it: 1.1.1, 1.1.2, 1.1.3, 1.1.4, 4.1.1\n');
    for (const id of ['1.1.1', '4.1.1']) expect(text).not.toContain(`File ${id}`);
    // Fewer than five with a reason, and a waived one: listed with their section, as before.
    expect(text).toContain('[MANUAL]  1.2.3 Manual one\n          decided by `audit node`\n');
    expect(text).toMatch(/^-- 1\.1\n\[WAIVED\] {2}1\.1\.5 Waived file$/m);
    expect(text).not.toMatch(/^-- 4\.1$/m);
    // The summary still counts every control.
    expect(text).toContain('== Summary: 1 pass, 1 fail (1 scored), 6 manual, 1 not applicable, 1 error, 2 waived');
  });
});

describe('Markdown', () => {
  it('summary per target, failures with where and what, waivers with owner and expiry, remediation folded', () => {
    const md = renderMarkdown(run(sample), ctx);
    expect(md).toMatch(/^## rke-harden: 1 failing control \(1 scored\), 1 not evaluated \(error\)$/m);
    expect(md).toContain('| clusters/a/config.yaml | `rke2-cis-1.11` | **1** (1 scored) | 1 | 1 | 1 | 1 | 1 |');
    expect(md).toContain('| `1.2.1` | Anonymous auth is off | clusters/a/config.yaml | `clusters/a/config.yaml:3:5` | kube-apiserver.args.anonymous-auth = true; expected false \\[config.yaml\\] at clusters/a/config.yaml:3:5 |');
    expect(md).toContain('| `1.2.2` | Waived one | clusters/a/config.yaml | team-platform | 2099-12-31 | accepted by security review 42 |');
    expect(md).toMatch(/<details><summary>How to fix<\/summary>\n\n- \*\*1\.2\.1\*\* `apiserver-anonymous-auth-disabled`: Remove anonymous-auth=true\.\n/);
    expect(md).toContain('| `4.2.1` | Errored | clusters/a/config.yaml | permission denied |');
  });

  it('a clean run says so', () => {
    expect(renderMarkdown(run([sample[3]!]), ctx)).toMatch(/^## rke-harden: no failing controls$/m);
  });

  it('cells cannot break the table or inject HTML; code spans survive backticks', () => {
    expect(cell('a|b\nc <b>x</b>')).toBe('a\\|b c &lt;b&gt;x&lt;/b&gt;');
    expect(cell('one\rtwo\r\nthree')).toBe('one two three'); // a lone CR would end the table row too
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x`')).toBe('`` `x` ``');
    const md = renderMarkdown(run([{ ...sample[0]!, title: HOSTILE }]), ctx);
    const row = md.split('\n').find((l) => l.startsWith('| `1.2.1`'))!;
    expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(7);
    expect(md).not.toContain('<img');
  });

  it('stays under the comment limit and says what it left out', () => {
    const many = Array.from({ length: 800 }, (_, i): ControlResult => ({ ...sample[0]!, controlId: `1.2.${i + 1}`, checkId: `check-${i}`, remediation: 'set it' }));
    const waived: ControlResult = { ...sample[0]!, controlId: '9.9', status: 'waived', waiver: { reason: 'accepted', owner: 'team-x', expires: '2099-01-01' } };
    const r = { ...run([...many, waived]), warnings: ['a warning worth reading'] };
    const md = renderMarkdown(r, ctx, 20_000);
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(md).toMatch(/_…\d+ more lines of Failures left out to fit a comment; see the full report/);
    // The short sections after the cut still fit, and go in whole: who owns a waiver, what to read.
    expect(md).toContain('team-x');
    expect(md).toContain('a warning worth reading');
    // One that does not fit is named, with its size.
    const tight = renderMarkdown(r, ctx, 3_000);
    expect(tight.length).toBeLessThanOrEqual(3_000);
    expect(tight).toMatch(/_Also left out: .*How to fix \(\d+ lines\)/);
  });
});

describe('HTML', () => {
  const html = renderHtml(run([...sample, { ...sample[0]!, controlId: '1.2.9', title: HOSTILE, evidence: [{ fact: 'f', observed: HOSTILE }] }], [{ kind: 'config', name: 'clusters/a/config.yaml', benchmark: 'rke2-cis-1.11' }]), ctx);

  it('is self-contained: no external resource, a CSP that forbids fetching anything, hashes that match the inline code', () => {
    const tags = html.replace(/"[^"]*"/g, '""');
    expect(tags).not.toMatch(/<[a-z][^>]*\s(src|href|action|srcset|poster|data|xmlns)=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(STYLES).not.toMatch(/url\(|@import/);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replace(/&#39;/g, "'");
    expect(csp).toContain("default-src 'none'");
    const sha = (s: string) => createHash('sha256').update(s).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${sha(CLIENT_SCRIPT)}'`);
    expect(csp).toContain(`style-src 'sha256-${sha(STYLES)}'`);
    expect(html).toContain(`<script>${CLIENT_SCRIPT}</script>`);
    expect(html).toContain(`<style>${STYLES}</style>`);
  });

  it('escapes every value from the scan', () => {
    expect(html).not.toContain('<img');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#39;apos&#39;');
  });

  it('has the summary, the chart by section, the filters, evidence, remediation and waivers', () => {
    expect(html).toMatch(/<button type="button" class="tile s-fail" data-status="fail"[^>]*><span class="n">2<\/span>/);
    expect(html.match(/<g class="row"/g)).toHaveLength(3); // all sections, 1.2, 4.2
    expect(html).toContain('data-section="4.2" aria-label="4.2 Kubelet: 1 ERROR, 1 N/A. Show only this section"');
    for (const id of ['q', 'section', 'target', 'scored']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('<option value="1.2">1.2 API Server</option>');
    expect(html).toContain('<td><code>kube-apiserver.args.anonymous-auth</code></td><td>true</td><td>false</td><td>config: config.yaml</td><td><code>clusters/a/config.yaml:3:5</code></td>');
    expect(html).toContain('<dt>Remediation</dt><dd>Remove anonymous-auth=true.</dd>');
    expect(html).toContain('<dt>Why</dt><dd>Because.</dd>');
    expect(html).toContain('<p class="waiver"><strong>Waived</strong> by team-platform until <time>2099-12-31</time>: accepted by security review 42</p>');
    // A scan that records the waiver's entry shows where it is.
    const located = sample.map((r) => (r.waiver ? { ...r, waiver: { ...r.waiver, status: 'fail' as const, location: { file: 'waivers.yaml', line: 3, column: 5 } } } : r));
    expect(renderHtml(run(located), ctx)).toContain('accepted by security review 42 (<code>waivers.yaml:3:5</code>)</p>');
    expect(html).toMatch(/<h2 id="waivers">Waived controls \(1\)<\/h2>.*<td>team-platform<\/td><td><time>2099-12-31<\/time><\/td>/s);
  });

  it('the page script is valid JavaScript', () => {
    expect(() => new Function(CLIENT_SCRIPT)).not.toThrow();
  });
});

describe('locations', () => {
  it('the config file of a target: Rancher Cluster targets carry the cluster name after the file', () => {
    const t = (name: string, kind: 'config' | 'node' = 'config') => configFileOf({ kind, name, benchmark: 'b' });
    expect(t('a/cluster.yaml (prod)')).toBe('a/cluster.yaml');
    expect(t('a/cluster.yaml (prod) machines matching machineSelectorConfig[1]')).toBe('a/cluster.yaml');
    expect(t('etc/rke2/config.yaml')).toBe('etc/rke2/config.yaml');
    expect(t('node-1', 'node')).toBeUndefined();
  });

  it('the first evidence with a line wins, then a file, then the config file of the target', () => {
    const target = { kind: 'config' as const, name: 'x.yaml', benchmark: 'b' };
    const r = (evidence: ControlResult['evidence']) => primaryLocation({ ...sample[3]!, evidence }, target);
    expect(r([{ fact: 'a', location: { file: 'f' } }, { fact: 'b', location: { file: 'g', line: 2, column: 1 } }])).toEqual({ file: 'g', line: 2, column: 1 });
    expect(r([{ fact: 'a', location: { file: 'f' } }])).toEqual({ file: 'f' });
    expect(r([])).toEqual({ file: 'x.yaml' });
  });

  it('EMPTY_CONTEXT renders without catalog metadata', () => {
    expect(renderHtml(run(sample), EMPTY_CONTEXT)).toContain('<h3>1.2</h3>');
  });
});
