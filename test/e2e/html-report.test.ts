// The HTML report in a real browser: Debian's headless Chromium, driven by playwright-core.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import type { ScanRun } from '../../src/model/result.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = path.resolve('test-artifacts');

let browser: Browser;
let dir: string;
let htmlFile: string;
let junit: string;
let run: ScanRun;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  dir = tempTree({
    'waivers.yaml': [
      'waivers:',
      '  - control: "1.3.7"',
      '    target: "examples/rke1-default/*"',
      '    reason: the controller manager listens on the host network behind the node firewall',
      '    owner: platform-team@example.com',
      '    expires: 2099-12-31',
      '',
    ].join('\n'),
  });
  const args = ['audit', 'config', 'examples/', '--k8s-version', 'v1.31.4+rke2r1', '--waivers', path.join(dir, 'waivers.yaml')];
  htmlFile = path.join(dir, 'report.html');
  expect((await runCli([...args, '-o', 'html', '--output', htmlFile])).code).toBe(1);
  run = JSON.parse((await runCli([...args, '-o', 'json'])).stdout) as ScanRun;
  junit = (await runCli([...args, '-o', 'junit'])).stdout;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  problems: string[];
  requests: string[];
}

/** Open the report; every console error, page error and request leaving the file is recorded. */
async function open(hash = ''): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    requests.push(url);
    if (url.startsWith('file:')) await route.continue();
    else await route.abort();
  });
  await page.goto(`file://${htmlFile}${hash}`);
  await page.waitForLoadState('load');
  return { page, problems, requests };
}

const shownText = (page: Page) => page.locator('#shown').textContent();
const visible = (page: Page) =>
  page.$$eval('details.result:not([hidden])', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return { status: d.status, section: d.section, target: d.target, text: e.textContent ?? '' };
    }));

describe('HTML report in headless Chromium', () => {
  it('renders with no console error, loads nothing but itself, and a screenshot is written', async () => {
    const { page, problems, requests } = await open();
    expect(await page.title()).toBe('rke-harden report: rke2-cis-1.11, rke-cis-1.8-hardened');
    expect(await shownText(page)).toBe(`Showing ${run.results.length} of ${run.results.length}`);
    expect(await page.locator('.tile[data-status="fail"] .n').textContent()).toBe(String(run.summary.fail));
    expect(await page.locator('.chart svg .row').count()).toBe(new Set(run.results.map((r) => r.section)).size + 1);
    const box = await page.locator('.chart svg').boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    await page.screenshot({ path: path.join(ARTIFACTS, 'html-report.png'), fullPage: false });
    expect(fs.statSync(path.join(ARTIFACTS, 'html-report.png')).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    expect(requests).toEqual([`file://${htmlFile}`]);
    await page.close();
  });

  it('filters by status (tile and checkboxes), section, target, scored and search; the URL keeps the filter', async () => {
    const { page, problems } = await open();
    await page.click('.tile[data-status="fail"]');
    let v = await visible(page);
    expect(v.length).toBe(run.summary.fail);
    expect(new Set(v.map((x) => x.status))).toEqual(new Set(['fail']));
    expect(await shownText(page)).toBe(`Showing ${run.summary.fail} of ${run.results.length}`);
    expect(new URL(page.url()).hash).toBe('#status=fail');
    expect(await page.locator('.tile[data-status="fail"]').getAttribute('aria-pressed')).toBe('true');

    await page.selectOption('#section', '1.2');
    v = await visible(page);
    const expected12 = run.results.filter((r) => r.status === 'fail' && r.section === '1.2');
    expect(v.map((x) => x.section)).toEqual(expected12.map(() => '1.2'));
    // Sections and targets without a visible result are hidden too.
    expect(await page.locator('section.section:not([hidden]) > h3').allTextContents()).toEqual(expect.arrayContaining(['1.2 API Server']));
    expect(await page.locator('section.section:not([hidden]) > h3', { hasText: '4.2' }).count()).toBe(0);

    await page.selectOption('#target', 'examples/rke1-default/cluster.yml');
    v = await visible(page);
    expect(v.length).toBe(expected12.filter((r) => r.target === 'examples/rke1-default/cluster.yml').length);
    expect(v.every((x) => x.target === 'examples/rke1-default/cluster.yml')).toBe(true);

    await page.click('button[type="reset"]');
    await page.waitForFunction(() => document.querySelectorAll('details.result[hidden]').length === 0);
    expect(new URL(page.url()).hash).toBe('');

    await page.fill('#q', 'anonymous-auth');
    v = await visible(page);
    expect(v.length).toBeGreaterThan(0);
    expect(v.length).toBeLessThan(run.results.length);
    // Every hit shows the term somewhere in its (possibly folded) text: id, title, evidence or remediation.
    expect(v.every((x) => x.text.toLowerCase().includes('anonymous-auth'))).toBe(true);
    // The search reads a result's target and status too, though neither is in its text.
    await page.fill('#q', 'rke1-hardened notapplicable');
    v = await visible(page);
    expect(v.length).toBe(run.results.filter((r) => r.target.includes('rke1-hardened') && r.status === 'notApplicable').length);
    expect(v.length).toBeGreaterThan(0);
    await page.fill('#q', 'no-such-thing-anywhere');
    expect(await visible(page)).toEqual([]);
    expect(await page.locator('#none').isVisible()).toBe(true);
    await page.fill('#q', '');

    await page.check('#scored');
    expect((await visible(page)).length).toBe(run.results.filter((r) => r.scored).length);
    await page.uncheck('#scored');

    await page.uncheck('input[name="status"][value="pass"]');
    expect((await visible(page)).length).toBe(run.results.length - run.summary.pass);
    expect(new URL(page.url()).hash).toBe('#status=fail%2Cerror%2Cmanual%2Cwaived%2CnotApplicable');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a chart row filters by its section, by mouse and by keyboard', async () => {
    const { page, problems } = await open();
    await page.click('.chart .row[data-section="4.2"]');
    expect(await page.inputValue('#section')).toBe('4.2');
    expect(new Set((await visible(page)).map((x) => x.section))).toEqual(new Set(['4.2']));
    await page.focus('.chart .row[data-section="1.3"]');
    await page.keyboard.press('Enter');
    expect(await page.inputValue('#section')).toBe('1.3');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a shared link opens filtered; waived controls show owner, expiry and the waiver\'s entry', async () => {
    const { page, problems } = await open('#status=waived');
    const v = await visible(page);
    expect(v.length).toBe(run.summary.waived);
    expect(run.summary.waived).toBeGreaterThan(0);
    const item = page.locator('details.result:not([hidden])').first();
    await item.locator('summary').click();
    await expect.poll(() => item.locator('.waiver').textContent()).toBe(
      `Waived by platform-team@example.com until 2099-12-31: the controller manager listens on the host network behind the node firewall (${path.join(dir, 'waivers.yaml')}:2:5)`,
    );
    expect(await page.locator('#waivers + .panel td', { hasText: 'platform-team@example.com' }).count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'html-report-waived.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('evidence and remediation of a failing control are shown when it is opened', async () => {
    const { page, problems } = await open('#status=fail&q=1.2.3');
    const item = page.locator('details.result:not([hidden])').first();
    await item.locator('summary').click();
    expect(await item.locator('table.evidence').isVisible()).toBe(true);
    expect(await item.locator('dt', { hasText: 'Remediation' }).count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'html-report-failure.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the JUnit report is well-formed XML for a real parser', async () => {
    const page = await browser.newPage();
    const result = await page.evaluate((xml) => {
      const doc = new DOMParser().parseFromString(xml, 'application/xml');
      const error = doc.querySelector('parsererror');
      return { error: error?.textContent ?? null, cases: doc.querySelectorAll('testcase').length, failures: doc.querySelectorAll('testcase > failure').length };
    }, junit);
    expect(result).toEqual({ error: null, cases: run.results.length, failures: run.summary.fail });
    await page.close();
  });
});
