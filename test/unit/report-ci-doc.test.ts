import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';

/** The fenced blocks of a language in a Markdown file, in order. */
function blocks(file: string, lang: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1]!);
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, string> }

describe('docs/ci.md: the GitHub Actions example works as written', () => {
  const workflow = parse(blocks('docs/ci.md', 'yaml')[0]!) as {
    permissions: Record<string, string>;
    jobs: { audit: { steps: Step[] } };
  };
  const steps = workflow.jobs.audit.steps;
  const commands = steps.flatMap((s) => (s.run ?? '').split('\n')).map((l) => l.trim()).filter((l) => l.startsWith('rke-harden '));

  it('grants what upload-sarif needs and uploads the file the audit writes', () => {
    expect(workflow.permissions['security-events']).toBe('write');
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))!;
    expect(commands.some((c) => c.includes(`-o sarif --output ${upload.with!.sarif_file}`))).toBe(true);
  });

  it('every rke-harden command of the workflow runs in a repository; the gate fails on scored failures', async () => {
    const repo = tempTree({});
    copyDir('examples', path.join(repo, 'clusters'));
    // The waiver example of docs/reports.md is the repository's waiver file.
    fs.mkdirSync(path.join(repo, '.rke-harden'));
    fs.writeFileSync(path.join(repo, '.rke-harden/waivers.yaml'), blocks('docs/reports.md', 'yaml')[0]!);
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      for (const command of commands) {
        expect(command, 'keep the documented commands free of shell quoting').not.toMatch(/["'$\\]/);
        const argv = command.split(/\s+/).slice(1);
        const r = await runCli(argv);
        const gate = argv.includes('--fail-on') && argv[argv.indexOf('--fail-on') + 1] === 'fail';
        expect(r.code, `${command}\n${r.stderr}`).toBe(gate ? 1 : 0);
      }
      const sarif = JSON.parse(fs.readFileSync('rke-harden.sarif', 'utf8')) as { runs: { results: { locations: { physicalLocation?: { artifactLocation: { uri: string } } }[] }[] }[] };
      const uris = sarif.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation!.artifactLocation.uri);
      expect(uris.length).toBeGreaterThan(0);
      expect(uris.every((u) => u.startsWith('clusters/'))).toBe(true);
      for (const f of ['rke-harden.json', 'rke-harden.md', 'rke-harden.html', 'rke-harden.junit.xml']) expect(fs.existsSync(f), f).toBe(true);
      const run = JSON.parse(fs.readFileSync('rke-harden.json', 'utf8')) as { warnings: string[]; summary: { waived: number } };
      // The example waives a file this repository does not have: reported as unused (or, once its date has passed, expired).
      expect(run.warnings.join('\n')).toMatch(/\.rke-harden\/waivers\.yaml:\d+:\d+: waiver for control 1\.3\.7 (on target clusters\/legacy\/cluster\.yml .*matched no failing or manual result|\(owner ops@example\.com\) expired on )/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('the exit code table documents every policy level and code', () => {
    const text = fs.readFileSync('docs/ci.md', 'utf8');
    for (const level of ['fail', 'manual', 'never']) expect(text).toContain(`| \`${level}\``);
    for (const code of ['0', '1', '2', '3']) expect(text).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });
});
