// Browser test: a clerk opens the household list, filters it by township
// and by name, and opens a household. Runs the real `jiuzhu` binary on a
// fresh SQLite file with a small demo county, in Debian's headless Chromium
// driven by playwright-core (no browser download).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.JIUZHU_BIN ?? join(here, '..', 'target', 'debug', 'jiuzhu');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
let server, browser, baseUrl, workdir;

before(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'jiuzhu-e2e-'));
  server = spawn(bin, ['serve', '--demo', '--households', '400', '--addr', '127.0.0.1:0'], {
    cwd: workdir,
    env: { ...process.env, JIUZHU_DATABASE_URL: `sqlite:${join(workdir, 'e2e.db')}`, RUST_LOG: 'warn' },
  });
  baseUrl = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 60000);
    server.stderr.on('data', (chunk) => {
      seen += chunk.toString();
      const m = seen.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
  });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

test('a clerk filters the household list and opens a household', async () => {
  const page = await browser.newPage({ locale: 'zh-CN' });
  await page.goto(`${baseUrl}/households`);
  assert.equal(await page.locator('h1').innerText(), '家庭花名册');
  assert.equal(await page.locator('#household-table tbody tr').count(), 20);

  // Filter by a township from the region tree.
  const township = page.locator('aside.tree a[data-region="349901008000"]');
  const townshipName = (await township.innerText()).trim();
  await township.click();
  await page.waitForURL(/region=349901008000/);
  const regions = await page.locator('#household-table tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(regions.length > 0, 'the township has households');
  for (const r of regions) assert.ok(r.startsWith(townshipName), `${r} is in ${townshipName}`);

  // Search by the head's name inside the township (htmx swaps the results).
  const name = (await page.locator('#household-table tbody tr td:nth-child(2)').first().innerText()).trim();
  await page.fill('#q', name);
  await page.click('form.filters button[type=submit]');
  await page.waitForURL(/q=/);
  await page.waitForFunction(
    (n) => [...document.querySelectorAll('#household-table tbody tr td:nth-child(2)')].every((td) => td.innerText.startsWith(n)),
    name,
  );

  // Open the household.
  const number = (await page.locator('#household-table tbody tr td:first-child a').first().innerText()).trim();
  await page.locator('#household-table tbody tr td:first-child a').first().click();
  await page.waitForURL(/\/households\/\d+$/);
  assert.equal((await page.locator('#external-id').innerText()).trim(), number);
  const members = await page.locator('#members tbody tr td:first-child').allInnerTexts();
  assert.ok(members.includes(name), `${name} is a member`);
  mkdirSync(join(here, 'out'), { recursive: true });
  await page.screenshot({ path: join(here, 'out', 'household.png'), fullPage: true });

  // The interface switches to English.
  await page.click('#switch-lang');
  await page.waitForSelector('text=Members');
  assert.equal((await page.locator('#external-id').innerText()).trim(), number);
});
