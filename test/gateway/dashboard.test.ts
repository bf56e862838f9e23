/**
 * The dashboard in a real browser (Debian `chromium` driven by playwright-core): after a bulk
 * import (written through the engine's own ledger API), JIT moves at login and some failed
 * logins, the page shows the right counts, draws both charts, and a screenshot is taken.
 * Skipped when no Chromium is installed. FLAGLESS_SCREENSHOT_DIR keeps a copy of the screenshot.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStateStore } from '../../src/state/ledger/open.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { clerkExport, clerkIndex, movableLogins, openBetterAuth, startGateway, tempDir, type ClerkExport, type Running } from './helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('dashboard', { skip: CHROMIUM ? false : 'no Chromium (apt-get install chromium)', timeout: 120_000 }, () => {
  const tmp = tempDir();
  let exp: ClerkExport;
  let index: ExportIndex;
  let gw: Running;
  const BULK = 12;
  const JIT = 5;

  before(async () => {
    exp = await clerkExport(tmp.dir, 60, { seed: 'dash' });
    index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index);
    const state = path.join(tmp.dir, 'state.db');
    // A bulk `flagless migrate` moved some users: recorded through the engine's ledger API.
    const ledger = await openStateStore(state);
    const run = await ledger.beginRun({ id: 'bulk-run', sourceFingerprint: 'clerk:users.csv', target: 'better-auth', options: {}, startedAt: new Date().toISOString() });
    const bulkIds = exp.logins.slice(JIT, JIT + BULK).map((l) => index.sourceIdsFor(l.identifier)[0]!);
    await ledger.plan(run.id, bulkIds.map((id) => ({ kind: 'user' as const, sourceId: id, fingerprint: 'f', lossy: [] })));
    for (const id of bulkIds) await ledger.markDone(run.id, 'user', id, { targetId: id, outcome: 'created' });
    await ledger.close();
    gw = await startGateway({ state, legacy: new ExportVerifier(index), target: await openBetterAuth(path.join(tmp.dir, 'target.db')), index, labels: { legacy: 'Clerk export', target: 'Better Auth' } });
    for (const l of exp.logins.slice(0, JIT)) assert.equal((await gw.post('/v1/login', l)).status, 200);
    for (let i = 0; i < 4; i++) await gw.post('/v1/login', { identifier: exp.logins[0]!.identifier, password: `wrong-${i}` });
    await gw.post('/v1/login', { identifier: 'stranger@example.com', password: 'nope' });
  });
  after(async () => {
    await gw.close();
    tmp.remove();
  });

  it('serves the counts as JSON', async () => {
    const d = (await gw.get('/dashboard/data')).body;
    assert.equal(d.legacyTotal, index.stats.users);
    assert.equal(d.bulk, BULK);
    assert.equal(d.byRoute.jit, JIT);
    assert.equal(d.migrated, BULK + JIT);
    assert.deepEqual(d.failures, [{ reason: 'invalid_credentials', count: 5 }]);
  });

  it('renders in Chromium with the counts, both charts and a screenshot', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
      const res = await page.goto(`${gw.url}/dashboard`);
      assert.equal(res?.status(), 200);
      const text = async (id: string) => (await page.locator(`[data-testid="${id}"]`).textContent())?.trim();
      assert.equal(await text('total'), String(index.stats.users));
      assert.equal(await text('remaining'), String(index.stats.users - BULK - JIT));
      assert.equal(await text('bulk'), String(BULK));
      assert.equal(await text('jit'), String(JIT));
      assert.equal(await text('migrated'), String(BULK + JIT));
      assert.equal(await page.locator('[data-testid="chart-progress"] path[data-series]').count(), 4, 'still on legacy, bulk, JIT, lazy');
      const legacyPath = await page.locator('[data-testid="chart-progress"] path[data-series="still on legacy"]').getAttribute('d');
      assert.ok(legacyPath && legacyPath.startsWith('M'), 'the legacy line is drawn');
      const bar = page.locator('[data-testid="chart-failures"] rect[data-reason="invalid_credentials"]');
      assert.equal(await bar.count(), 1);
      assert.ok(Number(await bar.getAttribute('width')) > 0);
      const box = await page.locator('[data-testid="chart-progress"]').boundingBox();
      assert.ok(box && box.width > 300 && box.height > 100, 'the chart has a real size on screen');
      const shot = path.join(tmp.dir, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      const png = fs.readFileSync(shot);
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      assert.ok(png.length > 20_000, 'a screenshot with content');
      if (process.env.FLAGLESS_SCREENSHOT_DIR) fs.copyFileSync(shot, path.join(process.env.FLAGLESS_SCREENSHOT_DIR, 'dashboard.png'));
    } finally {
      await browser.close();
    }
  });
});
