// Browser test: one 低保 application from intake to approval across three
// users. The county approver sets the county's policy (no review-stage
// notice, 800元 standards); a village assistant enters the application on
// the family's behalf without the pledge; the township clerk checks the
// materials, investigates (verification run, home survey) and gives the
// preliminary opinion; the county approver approves and the decision
// notice prints. Runs the real `jiuzhu` binary on a fresh SQLite file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspace, start } from './harness.mjs';

const PASSWORD = 'Qinghe-e2e-2025';
let app, browser, baseUrl, head;

before(async () => {
  const ws = workspace('applications');
  const { workdir, run } = ws;
  run(['demo', '--households', '200']);
  run(['demo', '--households', '200', '--out', 'roster.csv']);
  const [, first] = readFileSync(join(workdir, 'roster.csv'), 'utf8').replace(/^\uFEFF/, '').split('\n');
  const [household, region, , name] = first.split(',');
  head = { household, region, name };
  run(['user', 'add', 'cun', '--name', '村协理员', '--role', 'village_assistant', '--region', region.slice(0, 12),
    '--password', PASSWORD]);
  run(['user', 'add', 'jingban', '--name', '乡镇经办人', '--role', 'township_clerk', '--region', region.slice(0, 9),
    '--password', PASSWORD]);
  run(['user', 'add', 'shenpi', '--name', '区民政局审批人', '--role', 'county_approver', '--region', '349901',
    '--password', PASSWORD]);
  app = await start(ws);
  ({ baseUrl, browser } = app);
});

after(async () => {
  await app?.stop();
});

async function signIn(login) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 412, height: 915 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login`);
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(/\/households/);
  return page;
}

async function step(page, action, fill = async () => {}) {
  const form = page.locator(`form[data-action="${action}"]`);
  await fill(form);
  await form.locator('button[type=submit]').click();
  await page.waitForLoadState('load');
  const errors = await page.locator('.errors').allInnerTexts();
  assert.deepEqual(errors.filter((e) => !e.includes('近亲属')), [], `${action}: ${errors}`);
}

test('a 低保 application from intake to approval across three users', async () => {
  // The county approver sets the county's policy.
  const approver = await signIn('shenpi');
  await approver.goto(`${baseUrl}/assistance-policies?region=349901`);
  await approver.fill('#p-from', '2025-01-01');
  await approver.fill('#f-dibao_urban', '800');
  await approver.fill('#f-dibao_rural', '800');
  await approver.selectOption('#f-review_notice', 'no');
  await approver.click('#policy-form button[type=submit]');
  await approver.waitForSelector('#policy-versions');
  assert.ok((await approver.locator('#policy-versions').innerText()).includes('审核阶段（初审）公示：否'));
  assert.ok((await approver.locator('#in-force-dibao_rural').innerText()).includes('800.00元'));

  // The village assistant enters the application for the family (帮办代办).
  const assistant = await signIn('cun');
  await assistant.goto(`${baseUrl}/households?q=${head.household}`);
  await assistant.locator('#household-table tbody tr td:first-child a').first().click();
  await assistant.waitForURL(/\/households\/\d+$/);
  await assistant.click('#apply');
  await assistant.waitForURL(/\/apply$/);
  await assistant.check('input[name=kinds][value=dibao]');
  for (const box of await assistant.locator('#materials input[name=provided]').all()) {
    if ((await box.getAttribute('value')) !== 'pledge') await box.check();
  }
  await assistant.fill('#income_wage', '600');
  await assistant.click('#submit-application');
  await assistant.waitForURL(/\/cases\/\d+$/);
  const caseUrl = assistant.url();
  assert.equal((await assistant.locator('#stage').innerText()).trim(), '待乡镇受理');
  assert.equal(await assistant.locator('#steps').count(), 0, 'the assistant takes no township steps');

  // The township clerk finds it in the inbox, finds the pledge missing, then receives it.
  const clerk = await signIn('jingban');
  await clerk.goto(`${baseUrl}/cases`);
  await clerk.locator(`#inbox a[href="${new URL(caseUrl).pathname}"]`).click();
  await clerk.waitForURL(caseUrl);
  await step(clerk, 'check_materials');
  assert.ok((await clerk.locator('#stage').innerText()).includes('材料不全'));
  assert.ok((await clerk.locator('#missing').innerText()).includes('承诺书'));
  assert.equal(await clerk.locator('#documents a[data-kind="one_time_notice"]').count(), 1);
  await step(clerk, 'check_materials', (f) => f.locator('input[value=pledge]').check());
  assert.ok((await clerk.locator('#stage').innerText()).includes('已受理'));
  await step(clerk, 'start_investigation');
  await step(clerk, 'request_verification');
  await step(clerk, 'attach_verification');
  await step(clerk, 'record_survey', async (f) => {
    await f.locator('input[name=investigators]').fill('李明、王芳');
    await f.locator('input[name=family_signatures]').fill(head.name);
    await f.locator('textarea[name=findings]').fill('自建平房，家中无贵重物品。');
  });
  await step(clerk, 'give_opinion');
  assert.equal((await clerk.locator('#stage').innerText()).trim(), '审核确认');
  assert.equal(await clerk.locator('form[data-action="approve"]').count(), 0, 'the township does not confirm here');

  // The county approver approves; the decision prints.
  await approver.goto(caseUrl);
  await step(approver, 'approve');
  assert.equal((await approver.locator('#stage').innerText()).trim(), '已批准');
  assert.ok((await approver.locator('#decision').innerText()).includes('月保障金额'));
  const timeline = await approver.locator('#timeline').innerText();
  for (const event of ['提交申请', '材料不全', '受理', '入户调查', '初审意见', '批准']) {
    assert.ok(timeline.includes(event), `${event} in ${timeline}`);
  }
  const href = await approver.locator('#documents a[data-kind="decision"]').getAttribute('href');
  const pdf = await approver.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, type: r.headers.get('content-type'), head: (await r.text()).slice(0, 5) };
  }, href);
  assert.deepEqual(pdf, { status: 200, type: 'application/pdf', head: '%PDF-' });
});
