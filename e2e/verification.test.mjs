// Browser test: the verification centre uploads the traffic police's file,
// verifies the county, and opens a household's report with the car record
// behind its finding; a township clerk records the household's objection
// and the officer records the re-check; the printable PDF is served. Runs
// the real `jiuzhu` binary on a fresh SQLite file with a small demo county.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspace, start } from './harness.mjs';

const PASSWORD = 'Qinghe-e2e-2025';
let app, browser, baseUrl, head;

before(async () => {
  const ws = workspace('verification');
  const { workdir, run } = ws;
  run(['demo', '--households', '200']);
  run(['demo', '--households', '200', '--out', 'roster.csv']);
  // The first household's head (the roster is deterministic for the seed).
  const [, first] = readFileSync(join(workdir, 'roster.csv'), 'utf8').replace(/^\uFEFF/, '').split('\n');
  const [household, region, id, name] = first.split(',');
  head = { household, region, id, name, file: join(workdir, 'vehicle.csv') };
  writeFileSync(head.file,
    `机动车所有人身份证号,号牌号码,车辆类型,初次登记日期\n${id},皖N12345,小型轿车,2019-05-01\n${id},皖N0001,摩托车,2016-01-01\n`);
  run(['user', 'add', 'hedui', '--name', '核对中心核对员', '--role', 'verification_officer', '--region', '349901',
    '--password', PASSWORD]);
  run(['user', 'add', 'jingban', '--name', '乡镇经办人', '--role', 'township_clerk', '--region', region.slice(0, 9),
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
  await page.waitForURL(/\/households/);
  return page;
}

async function openHousehold(page) {
  await page.goto(`${baseUrl}/households?q=${head.household}`);
  await page.locator('#household-table tbody tr td:first-child a').first().click();
  await page.waitForURL(/\/households\/\d+$/);
}

test('verification from a delivery to the report, an objection and its re-check', async () => {
  const officer = await signIn('hedui');
  await officer.click('text=核对');
  await officer.waitForURL(/\/verification$/);
  assert.ok((await officer.locator('body').innerText()).includes('尚未导入部门数据'));

  // Upload the traffic police's file.
  await officer.selectOption('#kind', 'vehicle');
  await officer.fill('#department', '区公安分局交警大队');
  await officer.fill('#as_of', '2025-10-31');
  await officer.setInputFiles('#file', head.file);
  await officer.click('#upload-delivery button[type=submit]');
  await officer.waitForURL(/\/verification\/deliveries\/\d+$/);
  assert.equal((await officer.locator('#rows-read').innerText()).trim(), '2');
  assert.equal((await officer.locator('#rows-rejected').innerText()).trim(), '0');

  // Verify the whole county as a background job: its page shows the
  // progress, refreshed by htmx, until the chart of findings with the car.
  await officer.goto(`${baseUrl}/verification`);
  await officer.click('#run-batch button[type=submit]');
  await officer.waitForURL(/\/jobs\/\d+$/);
  await officer.waitForSelector('#job-outcome', { timeout: 60000 });
  assert.ok((await officer.locator('#job-progress').innerText()).includes('拥有机动车'));

  // The household's report names the car record, not the motorbike.
  await openHousehold(officer);
  await officer.locator('#verification a').first().click();
  await officer.waitForURL(/\/verification\/results\/\d+$/);
  const finding = officer.locator('.finding[data-rule="owns_car"]');
  const evidence = await finding.locator('.evidence').innerText();
  assert.ok(evidence.includes('皖N12345') && evidence.includes(head.name), evidence);
  assert.ok(!evidence.includes('摩托车'), 'the exempt motorbike is not evidence');
  const reportUrl = officer.url();
  const pdf = await officer.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, type: r.headers.get('content-type'), head: (await r.text()).slice(0, 5) };
  }, `${reportUrl}/report.pdf`);
  assert.deepEqual(pdf, { status: 200, type: 'application/pdf', head: '%PDF-' });

  // The township records the household's objection.
  const clerk = await signIn('jingban');
  await clerk.goto(reportUrl);
  await clerk.selectOption('#o-rule', 'owns_car');
  await clerk.fill('#o-reason', '车辆已于2025年9月过户');
  await clerk.fill('#o-evidence', '机动车转移登记证明');
  await clerk.click('#objection-form button[type=submit]');
  await clerk.waitForSelector('.objection[data-outcome="pending"]');

  // The officer re-checks it.
  await officer.reload();
  await officer.selectOption('.objection select[name=outcome]', 'upheld');
  await officer.fill('.objection input[name=note]', '已核实过户登记');
  await officer.click('.objection button[type=submit]');
  await officer.waitForSelector('.objection[data-outcome="upheld"]');
  assert.ok((await officer.locator('.objection .outcome').innerText()).includes('异议成立'));
});
