// Browser test: a township clerk signs in, sees only her township's
// households, filters them by village and by name, opens a household,
// cannot open another township's household by URL, and signs out. Runs the
// real `jiuzhu` binary on a fresh SQLite file with a small demo county, in
// Debian's headless Chromium driven by playwright-core (no browser download).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { here, workspace, start } from './harness.mjs';

let app, baseUrl, browser;

const TOWNSHIP = '349901008000';
const PASSWORD = 'Qinghe-e2e-2025';

before(async () => {
  const ws = workspace('registry');
  ws.run(['demo', '--households', '400']);
  ws.run(['user', 'add', 'hekou', '--name', '河口镇经办人', '--role', 'township_clerk',
    '--region', TOWNSHIP, '--password', PASSWORD]);
  app = await start(ws);
  ({ baseUrl, browser } = app);
});

after(async () => {
  await app?.stop();
});

test('a township clerk signs in, sees only her township, and signs out', async () => {
  const page = await browser.newPage({ locale: 'zh-CN' });
  await page.goto(`${baseUrl}/households`);
  await page.waitForURL(/\/login/);
  await page.fill('#login', 'hekou');
  await page.fill('#password', 'wrong password');
  await page.click('#login-form button[type=submit]');
  assert.ok((await page.locator('#form-errors').innerText()).includes('登录名或密码错误'));
  await page.fill('#password', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(/\/households/);
  assert.equal(await page.locator('h1').innerText(), '家庭花名册');
  assert.equal((await page.locator('#current-user').innerText()).trim(), '河口镇经办人');

  // Only the township's households are listed.
  const townshipName = (await page.locator(`aside.tree a[data-region="${TOWNSHIP}"]`).innerText()).trim();
  const regions = await page.locator('#household-table tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(regions.length > 0, 'the township has households');
  for (const r of regions) assert.ok(r.startsWith(townshipName), `${r} is in ${townshipName}`);
  assert.equal(await page.locator('aside.tree a[data-region="349901001000"]').count(), 0, 'other townships are not in the tree');

  // Filter by a village of the township.
  const village = page.locator('aside.tree a[data-region^="349901008"][data-region$="001"]').first();
  const villageCode = await village.getAttribute('data-region');
  await village.click();
  await page.waitForURL(new RegExp(`region=${villageCode}`));

  // Search by the head's name (htmx swaps the results). The result must
  // not be empty and must contain the household the name was taken from
  // (issue 10: "every" over no rows passed on an empty result).
  const name = (await page.locator('#household-table tbody tr td:nth-child(2)').first().innerText()).trim();
  const expected = (await page.locator('#household-table tbody tr td:first-child a').first().innerText()).trim();
  assert.ok(name.length > 0 && expected.length > 0, 'the village lists a household to search for');
  await page.fill('#q', name);
  await page.click('form.filters button[type=submit]');
  await page.waitForURL(/q=/);
  await page.waitForFunction(
    (n) => {
      const cells = [...document.querySelectorAll('#household-table tbody tr td:nth-child(2)')];
      return cells.length > 0 && cells.every((td) => td.innerText.startsWith(n));
    },
    name,
  );
  const found = await page.locator('#household-table tbody tr td:first-child a').allInnerTexts();
  assert.ok(found.length > 0, `searching ${name} finds households`);
  assert.ok(found.map((t) => t.trim()).includes(expected), `${expected} is among ${found.join(', ')}`);
  const heads = await page.locator('#household-table tbody tr td:nth-child(2)').allInnerTexts();
  assert.ok(heads.every((h) => h.trim().startsWith(name)), `every result is ${name}: ${heads.join(', ')}`);

  // Open the household.
  const number = (await page.locator('#household-table tbody tr td:first-child a').first().innerText()).trim();
  await page.locator('#household-table tbody tr td:first-child a').first().click();
  await page.waitForURL(/\/households\/\d+$/);
  assert.equal((await page.locator('#external-id').innerText()).trim(), number);
  const members = await page.locator('#members tbody tr td:first-child').allInnerTexts();
  assert.ok(members.includes(name), `${name} is a member`);
  const ids = await page.locator('#members tbody tr td:nth-child(3)').allInnerTexts();
  assert.ok(ids.every((id) => id.includes('**********')), 'ID numbers are masked');
  mkdirSync(join(here, 'out'), { recursive: true });
  await page.screenshot({ path: join(here, 'out', 'household.png'), fullPage: true });

  // Another township's household answers as if it did not exist.
  let outside = null;
  for (let id = 1; id <= 60 && outside === null; id++) {
    const status = await page.evaluate(async (u) => (await fetch(u)).status, `${baseUrl}/api/households/${id}`);
    if (status === 404) outside = id;
  }
  assert.ok(outside !== null, 'found a household outside the township');
  const res = await page.goto(`${baseUrl}/households/${outside}`);
  assert.equal(res.status(), 404);
  assert.ok((await page.content()).includes('未找到该记录'));

  // The interface switches to English.
  await page.goto(`${baseUrl}/households`);
  await page.click('#switch-lang');
  await page.waitForSelector('text=Household roster');

  // Sign out: the session is gone.
  await page.click('#logout');
  await page.waitForURL(/\/login/);
  await page.goto(`${baseUrl}/households`);
  await page.waitForURL(/\/login/);
});
