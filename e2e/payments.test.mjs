// Browser test: a month's payments as the county does them. The county
// clerk generates the month's roll from the payments page (a background job
// whose page links to the roll), checks its totals and lines in words with
// accounts masked; the county approver opens it and approves it, after
// which it is frozen and offers its bank file. Runs the real `jiuzhu`
// binary on a fresh SQLite file with a small demo county.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { workspace, start } from './harness.mjs';

const PASSWORD = 'Qinghe-e2e-2025';
let app, browser, baseUrl;

before(async () => {
  const ws = workspace('payments');
  ws.run(['demo', '--households', '200']);
  ws.run(['user', 'add', 'xianjb', '--name', '区级经办人', '--role', 'county_clerk', '--region', '349901',
    '--password', PASSWORD]);
  ws.run(['user', 'add', 'xiansp', '--name', '区级审批人', '--role', 'county_approver', '--region', '349901',
    '--password', PASSWORD]);
  app = await start(ws);
  ({ baseUrl, browser } = app);
});

after(async () => {
  await app?.stop();
});

async function signIn(login) {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login`);
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  return page;
}

// A month no demo roll has: far enough ahead that the entitlements run.
const MONTH = '2027-06';

test('the county clerk prepares a month\'s roll and the approver approves it', async () => {
  const clerk = await signIn('xianjb');
  await clerk.goto(`${baseUrl}/payments`);
  await clerk.fill('#g-month', MONTH);
  await clerk.click('#generate-roll button[type=submit]');
  await clerk.waitForURL(/\/jobs\/\d+$/);
  await clerk.waitForSelector('#job-result', { timeout: 60000 });
  await clerk.click('#job-result');
  await clerk.waitForURL(/\/payments\/rolls\/\d+$/);
  const rollUrl = clerk.url();
  const text = await clerk.locator('main').innerText();
  assert.ok(text.includes('2027年6月'), text.slice(0, 400));
  assert.ok(/[\d,]+\.\d\d元/.test(await clerk.locator('#roll-total').innerText()), 'the total in 元');
  assert.ok((await clerk.locator('#lines tbody tr').count()) > 0, 'lines listed');
  const lines = await clerk.locator('#lines').innerText();
  assert.ok(!/\d{16,19}/.test(lines), 'no full account or ID number in the lines');
  assert.ok(!/_fen|dibao|tekun|draft/.test(text), 'words, not codes');
  // The clerk prepares, and cannot approve.
  assert.equal(await clerk.locator('#approve-roll').count(), 0);
  const draft = (await clerk.locator('#roll-state').innerText()).trim();

  const approver = await signIn('xiansp');
  await approver.goto(rollUrl);
  assert.equal((await approver.locator('#roll-state').innerText()).trim(), draft);
  await approver.click('#approve-roll button[type=submit]');
  await approver.waitForURL(rollUrl);
  const state = (await approver.locator('#roll-state').innerText()).trim();
  assert.notEqual(state, draft, 'approved');
  assert.equal(state, '已审批');
  // Frozen: no regeneration once approved; the bank file is offered.
  assert.equal(await approver.locator('#regenerate-roll').count(), 0);
  assert.equal(await approver.locator('#bank-link').count(), 1);
});
