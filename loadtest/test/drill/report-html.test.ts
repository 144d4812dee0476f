import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { runHtml } from '../../src/drill/report-html.js';
import type { RunReport } from '../../src/drill/report-types.js';

const FIXTURE = new URL('./fixtures/kill-write-point-run.json', import.meta.url);
const ARTIFACTS = new URL('../../artifacts/', import.meta.url).pathname;

test('the HTML report of a recorded kill-write-point run shows its timeline with the fault marked, in headless Chromium', async () => {
  // A report the runner wrote (`npm run drill -- kill-write-point --json ...`), kept as a fixture.
  const { runs } = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { runs: RunReport[] };
  const run = runs[0] as RunReport;
  assert.equal(run.scenario, 'kill-write-point');
  const fault = run.fault;
  assert.ok(fault, 'the recorded run has a fault');

  mkdirSync(ARTIFACTS, { recursive: true });
  const htmlPath = join(ARTIFACTS, 'drill-kill-write-point.html');
  writeFileSync(htmlPath, runHtml(run));

  const profile = mkdtempSync(join(tmpdir(), 'setgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1100, height: 900 },
  });
  try {
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(pathToFileURL(htmlPath).href);

    const svg = page.locator('svg#timeline');
    await svg.waitFor({ state: 'visible' });
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 500 && box.height > 300, `timeline drawn at a readable size: ${JSON.stringify(box)}`);
    // Throughput and latency lines, one panel per measure.
    assert.equal(await page.locator('svg#timeline g.panel').count(), 3);
    assert.ok((await page.locator('svg#timeline polyline.series').count()) >= 3);

    const marker = page.locator('svg#timeline g.marker-fault');
    assert.equal(await marker.count(), 1, 'one fault marker');
    assert.equal(await marker.getAttribute('data-t-ms'), String(fault.atMs));
    const line = await marker.locator('line').boundingBox();
    assert.ok(line && box && line.x >= box.x && line.x <= box.x + box.width, 'the fault line lies inside the timeline');
    assert.match((await marker.textContent()) ?? '', /SIGKILL/);
    assert.equal(await page.locator('svg#timeline g.marker-heal').count(), fault.healAtMs === undefined ? 0 : 1);
    assert.equal(await page.locator('svg#timeline g.marker-failover').count(), run.failovers.filter((e) => e.tMs >= 0 && e.tMs <= run.timeline.length * 1000).length);

    // Self-contained: nothing but the page itself was loaded.
    assert.deepEqual(requested, [pathToFileURL(htmlPath).href]);

    await svg.screenshot({ path: join(ARTIFACTS, 'drill-kill-write-point-timeline.png') });
    const shot = join(ARTIFACTS, 'drill-kill-write-point.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10000, 'a screenshot was saved');
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
