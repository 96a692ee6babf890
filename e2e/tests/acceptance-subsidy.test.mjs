// Acceptance (验收) and the subsidy (奖补) through the browser, from a completed project to
// money paid: the enterprise sees its material checklist complete and applies with the
// truthfulness declaration and its bank account; the district verifies; the city records the
// on-site assessment and the financial check, sees every contract criterion evaluated, and
// accepts; it computes the subsidy (the trace shows how), publicises it, and after the 公示
// period clears the integrity flags with a reason, approves and pays. The subsidy page shows
// 已拨付 with the ledger transfers; the enterprise sees its subsidy paid.
//
// The project belongs to the listed demo enterprise 91320104MA1X2Y4B86 (秦淮), which the demo city
// took through its application, 公示 and listing, and whose demo projects stand at every step.
// This test takes the same enterprise, enrolment and provider (金陵工业互联网) through a project of
// its own, first through the JSON API (diagnosis, plan, contract, filing, milestone, invoices,
// vouchers, summary report, self-assessments before filing and after completion), then does
// everything about acceptance and money in the browser.
//
// The steps build on each other, so they run in order and a failed step skips the rest. The
// server runs with a 公示 period of PUBLICITY_SECONDS (config key providers.publicity_seconds,
// which subsidies use too).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { request } from 'playwright-core';
import { E2E_DIR, clickAndLoad, login, pageFacts, pathOf, useStack } from './helpers.mjs';

const PUBLICITY_SECONDS = 20;

const env = useStack('acceptance-subsidy', {
  env: {
    DENGTA_PROVIDERS__PUBLICITY_SECONDS: String(PUBLICITY_SECONDS),
    // The district officer made here would enrol a second factor at first sign-in (officers do by
    // default); this flow is about money, so only the three administrators keep TOTP. The second
    // factor itself is driven in crates/dengta/tests/it/account_security.rs.
    DENGTA_SECURITY__TOTP_ROLES: 'sysadmin,secadmin,auditadmin',
  },
});

const text = async (locator) => (await locator.textContent()).trim();

const ENTERPRISE = { name: '南京秦淮智能装备有限公司', uscc: '91320104MA1X2Y4B86', region: '320104' };
const PROVIDER = '金陵工业互联网服务有限公司';
const TITLE = '秦淮智能装备验收与奖补（端到端）';
const BANK = '6222 0212 3456 7801';
const PASSWORD = 'Strong#Pass2026';
// What the system administrator hands over: one-time, replaced by the user at first sign-in.
const ONE_TIME = 'Handed#Over2026';
const USERS = {
  enterprise: 'qinhuai-enterprise',
  district: 'qinhuai-district',
};

/** What the steps learn and hand on. */
const state = {
  projectId: 0,
  projectPath: '',
  providerId: 0,
  subsidyPath: '',
  onsiteId: 0,
  amount: '',
};

let failedStep = null;

/** One step of the flow; skipped once an earlier step failed. */
function step(name, fn) {
  test(name, async (t) => {
    if (failedStep) {
      t.skip(`an earlier step failed: ${failedStep}`);
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      failedStep = name;
      throw e;
    }
  });
}

// ---- the JSON API, as a signed-in user ---------------------------------------------------

/** An API session of `username` (cookie login; writes echo the CSRF cookie in X-CSRF-Token). */
async function apiAs(username, password = 'Demo@2026') {
  const ctx = await request.newContext({ baseURL: env.baseURL });
  await ctx.get('/login');
  const csrf = async () => (await ctx.storageState()).cookies.find((c) => c.name === 'dengta_csrf')?.value ?? '';
  const res = await ctx.post('/login', {
    form: { _csrf: await csrf(), username, password },
    headers: { origin: env.baseURL },
    maxRedirects: 0,
  });
  assert.equal(res.status(), 303, `login ${username}: ${res.status()}`);
  const call = async (method, url, body) => {
    const headers = { 'x-csrf-token': await csrf(), origin: env.baseURL };
    const r = await ctx.fetch(url, { method, headers, ...(body === undefined ? {} : { data: body }) });
    const txt = await r.text();
    let json = null;
    try {
      json = JSON.parse(txt);
    } catch {
      json = txt;
    }
    return { status: r.status(), json };
  };
  return {
    get: (url) => call('GET', url),
    post: (url, body) => call('POST', url, body ?? {}),
    /** Uploads a small PDF as evidence of `kind`. */
    async upload(projectId, kind, name, extra = '') {
      const buffer = Buffer.from(`%PDF-1.4\n% ${kind} ${name} ${Date.now()} ${Math.random()}\n%%EOF\n`, 'latin1');
      const r = await ctx.post(`/api/v1/projects/${projectId}/files?kind=${kind}${extra}`, {
        headers: { 'x-csrf-token': await csrf(), origin: env.baseURL },
        multipart: { file: { name, mimeType: 'application/pdf', buffer } },
      });
      return { status: r.status(), json: await r.json().catch(() => null) };
    },
    dispose: () => ctx.dispose(),
  };
}

/** Asserts an API answer's status and returns its body. */
function ok(res, status, what) {
  assert.equal(res.status, status, `${what}: ${JSON.stringify(res.json)}`);
  return res.json;
}

// ---- the browser --------------------------------------------------------------------------

/** Asserts a form went through: 200 on the given page with the success notice. */
async function accepted(page, res, where, expectedPath) {
  const err = page.locator('#form-error');
  const why = (await err.count()) ? await text(err) : '';
  assert.equal(res.status, 200, `${where}: ${JSON.stringify(res)} ${why}`);
  assert.equal(res.path, expectedPath, where);
  assert.match(await text(page.locator('main .alert.ok')), /已完成/, where);
}

async function acceptanceStatus(page) {
  const dd = page.locator('#acceptance-status');
  return { code: await dd.getAttribute('data-status'), label: await text(dd.locator('strong')) };
}

async function subsidyStatus(page) {
  const dd = page.locator('#subsidy-status');
  return { code: await dd.getAttribute('data-status'), label: await text(dd.locator('strong')) };
}

/** The acceptance action forms offered, by data-action. */
async function acceptanceActions(page) {
  return page.locator('form.acceptance-action').evaluateAll((fs) => fs.map((f) => f.dataset.action));
}

async function subsidyActions(page) {
  return page.locator('form.subsidy-action').evaluateAll((fs) => fs.map((f) => f.dataset.action));
}

const actionForm = (page, action) => page.locator(`form.acceptance-action[data-action="${action}"]`);

/** Follows a side-navigation entry and waits for its page. */
async function nav(page, label, pathname) {
  await page.locator('nav.side a', { hasText: label }).click();
  await page.waitForURL((u) => u.pathname === pathname);
}

describe('a completed project is accepted, its subsidy computed, publicised, approved and paid', () => {
  step('prepare: users, a completed project with its materials, through the API', async () => {
    const sys = await apiAs('demo-sysadmin');
    const city = await apiAs('demo-officer');
    const provider = await apiAs('demo-provider');
    const expert = await apiAs('demo-expert');
    try {
      // A demo project of the enterprise with 金陵 names its listed enrolment and the provider.
      const projects = ok(await city.get('/api/v1/projects?limit=200'), 200, 'projects');
      const items = projects.items ?? projects;
      const demo = items.find((p) => p.enterprise_name === ENTERPRISE.name && p.provider_name === PROVIDER);
      assert.ok(demo, `a demo project of ${ENTERPRISE.name} with ${PROVIDER} exists`);
      const { enterprise_id: enterpriseId, enrolment_id: enrolmentId, provider_id: providerId } = demo;
      state.providerId = providerId;
      const enrolment = ok(await city.get(`/api/v1/enrolments/${enrolmentId}`), 200, 'enrolment');
      assert.equal((enrolment.enrolment ?? enrolment).status ?? enrolment.state, 'listed');

      // A user of the enterprise and an officer of its district, new to this test.
      ok(
        await sys.post('/api/v1/users', {
          username: USERS.enterprise,
          display_name: '南京秦淮智能装备（企业用户）',
          role: 'enterprise',
          region: ENTERPRISE.region,
          enterprise_id: enterpriseId,
          password: ONE_TIME,
        }),
        201,
        'create the enterprise user',
      );
      ok(
        await sys.post('/api/v1/users', {
          username: USERS.district,
          display_name: '秦淮区工业和信息化局',
          role: 'officer',
          region: ENTERPRISE.region,
          password: ONE_TIME,
        }),
        201,
        'create the district officer',
      );
      // A password another person set is one-time: each new user replaces it first.
      for (const user of [USERS.enterprise, USERS.district]) {
        const first = await apiAs(user, ONE_TIME);
        try {
          const blocked = await first.get('/api/v1/projects');
          assert.equal(blocked.status, 403, `${user} must change the one-time password first`);
          ok(await first.post('/api/v1/account/password', { current: ONE_TIME, new: PASSWORD }), 204, `${user} sets a password`);
        } finally {
          await first.dispose();
        }
      }
      const ent = await apiAs(USERS.enterprise, PASSWORD);
      try {
        const answers = JSON.parse(await readFile(path.join(E2E_DIR, '..', 'data', 'demo-assessment.json'), 'utf8'));
        // The self-assessment before the project is filed.
        ok(
          await ent.post('/api/v1/assessments', {
            enterprise_id: enterpriseId,
            instrument_id: 'mfg-2024',
            answers,
            pledge: true,
          }),
          201,
          'self-assessment before',
        );

        const created = ok(
          await ent.post('/api/v1/projects', { enrolment_id: enrolmentId, provider_id: providerId, title: TITLE }),
          201,
          'create the project',
        );
        const id = created.project.id;
        state.projectId = id;
        state.projectPath = `/projects/${id}`;
        const tr = `/api/v1/projects/${id}/transitions`;
        ok(await provider.post(tr, { action: 'start_diagnosis' }), 200, 'start_diagnosis');
        ok(await provider.upload(id, 'diagnosis_report', '诊断报告.pdf'), 201, 'diagnosis report');
        ok(
          await provider.post(tr, {
            action: 'submit_diagnosis',
            diagnosis: {
              survey_date: '2025-03-02',
              surveyors: '王工、李工',
              gaps: '设备未联网，点检靠纸质记录',
              recommendations: '部署设备联网与点检系统',
            },
          }),
          200,
          'submit_diagnosis',
        );
        ok(await expert.post(tr, { action: 'approve_diagnosis' }), 200, 'approve_diagnosis');
        const lines = [
          { category: 'software', description: '设备管理系统', amount: 12_000_000 },
          { category: 'gateway', description: '数据采集网关', amount: 8_000_000 },
        ];
        ok(
          await provider.post(tr, {
            action: 'submit_plan',
            plan: { targets: [['equipment_management', 3]], schedule: '三个月完成', lines },
          }),
          200,
          'submit_plan',
        );
        ok(
          await ent.post(tr, {
            action: 'sign_contract',
            contract: {
              sign_date: '2025-03-10',
              parties: [
                { uscc: '91320104MA1X2Y8F6T', name: '金陵工业互联网服务有限公司', role: 'integrator', amount: 20_000_000 },
              ],
              lines,
              split: { enterprise: 12_000_000, provider_discount: 0, government: 8_000_000 },
              criteria: [
                { kind: 'onsite_level_at_least', level: 2 },
                { kind: 'milestones_done' },
                { kind: 'eligible_spend_at_least', amount: 10_000_000 },
              ],
            },
          }),
          200,
          'sign_contract',
        );
        ok(await city.post(tr, { action: 'file', filing_no: 'NJ-2025-E2E-ACC' }), 200, 'file');
        ok(await ent.post(tr, { action: 'start' }), 200, 'start');
        const m = ok(
          await provider.post(`/api/v1/projects/${id}/milestones`, { title: '系统上线', due_date: '2025-06-30' }),
          201,
          'milestone',
        );
        ok(await provider.upload(id, 'milestone', '上线报告.pdf', `&milestone_id=${m.id}`), 201, 'milestone evidence');
        ok(await provider.post(`/api/v1/projects/${id}/milestones/done`, { milestone_id: m.id }), 200, 'milestone done');
        for (const [kind, number] of [
          ['invoice', 'FP-E2E-001'],
          ['payment', 'FK-E2E-001'],
        ]) {
          ok(
            await ent.post(`/api/v1/projects/${id}/payments`, {
              kind,
              category: 'software',
              number,
              amount: '200000',
              date: '2025-05-01',
            }),
            201,
            `record ${kind}`,
          );
          ok(await ent.upload(id, kind, `${number}.pdf`), 201, `${kind} voucher`);
        }
        ok(await ent.post(tr, { action: 'complete' }), 200, 'complete');
        // The self-assessment after completion, and the summary report.
        ok(
          await ent.post('/api/v1/assessments', {
            enterprise_id: enterpriseId,
            instrument_id: 'mfg-2024',
            answers,
            pledge: true,
          }),
          201,
          'self-assessment after',
        );
        ok(await ent.upload(id, 'summary_report', '项目总结报告.pdf'), 201, 'summary report');
      } finally {
        await ent.dispose();
      }
    } finally {
      await Promise.all([sys, city, provider, expert].map((c) => c.dispose()));
    }
  });

  step('the enterprise sees its checklist complete and applies with the declaration and its bank account', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, USERS.enterprise, PASSWORD);
      await page.goto(state.projectPath);
      assert.equal((await pageFacts(page)).h1, TITLE);
      const section = page.locator('section#acceptance');
      assert.equal(await text(section.locator('h2').first()).then((s) => s.startsWith('验收')), true);
      // The checklist: every item is there; only the declaration (given with the application) is open.
      const items = await page
        .locator('#checklist tbody tr')
        .evaluateAll((rows) => rows.map((r) => [r.dataset.item, r.dataset.ok, r.cells[1].textContent.trim()]));
      assert.deepEqual(
        items.map(([id]) => id),
        ['enterprise_file', 'filing', 'contract', 'invoices', 'investment_list', 'declaration', 'self_assessments', 'summary_report'],
      );
      for (const [id, ok, mark] of items) {
        if (id === 'declaration') {
          assert.equal(ok, 'false', 'the declaration is given with the application');
          assert.equal(mark, '✗');
        } else {
          assert.equal(ok, 'true', `${id} present`);
          assert.equal(mark, '✓');
        }
      }
      assert.equal(await page.locator('#checklist-missing').getAttribute('data-missing'), '申报资料真实性声明');
      // The bundle link is offered.
      assert.equal(await text(page.locator('#bundle-link')), '下载验收材料包（一企一档）');

      const form = page.locator('form#acceptance-apply');
      assert.equal(await form.count(), 1, 'the enterprise may apply');
      assert.match(await text(form.locator('#declaration')), /本企业承诺：所提交的验收申报材料真实/);
      await form.locator('#bank_account').fill(BANK);
      await form.locator('#summary').fill('设备联网率从 20% 提升到 85%，点检全部线上化');
      // Without the declaration ticked the browser does not submit; tick it and apply.
      await form.locator('input[name=declare]').check();
      const res = await clickAndLoad(page, form.getByRole('button', { name: '申请验收', exact: true }));
      await accepted(page, res, 'apply', state.projectPath);
      assert.deepEqual(await acceptanceStatus(page), { code: 'applied', label: '已申请验收' });
      assert.equal(await text(page.locator('#acceptance-round')), '1');
      assert.equal(await page.locator('#checklist tbody tr[data-ok=false]').count(), 0, 'nothing missing now');
      assert.equal(await page.locator('form#acceptance-apply').count(), 0, 'applied once');
      assert.deepEqual(await acceptanceActions(page), [], 'the enterprise waits for the district');
      // The enterprise does not see integrity flags.
      assert.equal(await page.locator('#flags, #no-flags').count(), 0);
    });
  });

  step('the district officer verifies the application', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, USERS.district, PASSWORD);
      await page.goto(state.projectPath);
      assert.deepEqual(await acceptanceStatus(page), { code: 'applied', label: '已申请验收' });
      const offered = await acceptanceActions(page);
      assert.ok(offered.includes('verify'), `verify offered: ${offered}`);
      assert.ok(!offered.includes('assess') && !offered.includes('accept'), `the city's steps are not: ${offered}`);
      assert.equal(await text(actionForm(page, 'verify').locator('button')), '真实性核查通过');
      const res = await clickAndLoad(page, actionForm(page, 'verify').locator('button[type=submit]'));
      await accepted(page, res, 'verify', state.projectPath);
      assert.deepEqual(await acceptanceStatus(page), { code: 'district_verified', label: '区县已核查' });
    });
  });

  step('the city records the on-site assessment and the financial check, sees every criterion; another officer accepts', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      // The on-site assessment, recorded by the city through the API with its browser session.
      const answers = JSON.parse(await readFile(path.join(E2E_DIR, '..', 'data', 'demo-assessment.json'), 'utf8'));
      const csrf = (await page.context().cookies()).find((c) => c.name === 'dengta_csrf').value;
      const projects = await (await page.request.get('/api/v1/projects?limit=200')).json();
      const row = (projects.items ?? projects).find((p) => p.id === state.projectId);
      const r = await page.request.post('/api/v1/assessments', {
        headers: { 'x-csrf-token': csrf, origin: env.baseURL },
        data: { enterprise_id: row.enterprise_id, instrument_id: 'mfg-2024', answers, pledge: true },
      });
      const onsite = await r.json();
      assert.equal(r.status(), 201, JSON.stringify(onsite));
      assert.equal(onsite.kind, 'onsite');
      state.onsiteId = onsite.id;

      await page.goto(state.projectPath);
      assert.deepEqual(await acceptanceStatus(page), { code: 'district_verified', label: '区县已核查' });
      const offered = await acceptanceActions(page);
      assert.ok(offered.includes('assess'), `assess offered: ${offered}`);
      assert.ok(!offered.includes('verify'), 'the district check is not the city’s');
      const assess = actionForm(page, 'assess');
      await assess.locator('input[name=onsite_assessment_id]').fill(String(state.onsiteId));
      await assess.locator('input[name=finance_eligible]').fill('200000');
      await assess.locator('textarea[name=finance_note]').fill('发票与付款凭证核对一致');
      const res = await clickAndLoad(page, assess.locator('button[type=submit]'));
      await accepted(page, res, 'assess', state.projectPath);
      assert.deepEqual(await acceptanceStatus(page), { code: 'assessed', label: '已评测核查' });

      // Every criterion of the contract is evaluated, with its evidence linked.
      const rows = await page.locator('#evaluation tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          passed: tr.dataset.passed,
          criterion: tr.cells[0].textContent.trim(),
          result: tr.cells[1].textContent.trim(),
          note: tr.cells[2].textContent.trim(),
          link: tr.cells[3].querySelector('a')?.getAttribute('href') ?? '',
        })),
      );
      assert.equal(rows.length, 3, JSON.stringify(rows));
      for (const row of rows) {
        assert.equal(row.result, row.passed === 'true' ? '达标' : '未达标', JSON.stringify(row));
        assert.ok(row.criterion.length > 0 && row.link.length > 0, JSON.stringify(row));
      }
      assert.equal(rows[0].link, `/assessments/${state.onsiteId}`);
      assert.equal(rows[1].passed, 'true', `milestones done: ${JSON.stringify(rows[1])}`);
      assert.equal(rows[2].passed, 'true', `200,000 ≥ 100,000 eligible: ${JSON.stringify(rows[2])}`);
      assert.match(await text(page.locator('#evaluation-summary')), /¥200,000\.00/);
      // Separation of duties: whoever assessed does not decide; the page says why.
      assert.equal(await actionForm(page, 'accept').count(), 0, 'the assessor is not offered the decision');
      assert.match(await text(page.locator('section#acceptance .duty-note')), /验收结论不得由记录现场评测与财务核查的同一人作出/);
    });
    await env.withPage(t, async (page) => {
      await login(page, 'demo-approver');
      await page.goto(state.projectPath);
      const accept = actionForm(page, 'accept');
      assert.equal(await accept.count(), 1);
      if ((await page.locator('#evaluation tbody tr[data-passed=false]').count()) > 0) {
        // A criterion failed: accepting needs a reason (an override, flagged for audit).
        await accept.locator('input[name=reason]').fill('经专家组复核，改造目标已实质达成');
      }
      const done = await clickAndLoad(page, accept.locator('button[type=submit]'));
      await accepted(page, done, 'accept', state.projectPath);
      assert.deepEqual(await acceptanceStatus(page), { code: 'accepted', label: '验收通过' });
      const history = await page
        .locator('#acceptance-history tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [tr.dataset.action, tr.cells[1].textContent.trim(), tr.cells[4].textContent.trim()]));
      assert.deepEqual(
        history.map(([a]) => a),
        ['apply', 'verify', 'assess', 'accept'],
      );
      assert.deepEqual(
        history.map(([, , who]) => who),
        [USERS.enterprise, USERS.district, 'demo-officer', 'demo-approver'],
      );
      assert.match(history[3][1], /^通过验收/);
    });
  });

  step('the city computes the subsidy and sees the trace, then publicises it', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto(state.projectPath);
      const compute = page.locator('form#compute-subsidy');
      assert.equal(await text(compute.locator('button')), '核算奖补');
      const res = await clickAndLoad(page, compute.locator('button[type=submit]'));
      assert.match(res.path, /^\/subsidies\/\d+$/, JSON.stringify(res));
      await accepted(page, res, 'compute', res.path);
      state.subsidyPath = res.path;
      assert.deepEqual(await subsidyStatus(page), { code: 'computed', label: '已核算' });
      // 200,000 eligible × 40% = 80,000 (under Nanjing's cap), in capital numerals too.
      const amount = await text(page.locator('#subsidy-amount strong'));
      assert.match(amount, /^¥[\d,]+\.\d\d$/);
      state.amount = amount;
      assert.match(await text(page.locator('#amount-words')), /元整$|角|分$/);
      assert.match(await text(page.locator('#subsidy-rule')), /nanjing-2024/);
      const labels = (await page.locator('#trace tbody tr td:first-child').allTextContents()).map((s) => s.trim());
      for (const l of ['可补助投入', '按比例计算', '核定补助', '本次应拨付']) {
        assert.ok(labels.includes(l), `the trace shows ${l}: ${labels}`);
      }
      // The reservation is a ledger transfer from the pool.
      const legs = await page.locator('#transfers tbody tr').first().locator('li').evaluateAll((ls) => ls.map((l) => l.dataset.kind));
      assert.deepEqual(legs.sort(), ['commitment', 'pool']);

      assert.deepEqual(await subsidyActions(page), ['publicise', 'cancel']);
      const pub = page.locator('form.subsidy-action[data-action="publicise"]');
      assert.equal(await text(pub.locator('button')), '发布公示');
      const done = await clickAndLoad(page, pub.locator('button[type=submit]'));
      await accepted(page, done, 'publicise', state.subsidyPath);
      assert.deepEqual(await subsidyStatus(page), { code: 'publicised', label: '公示中' });
      assert.match(await text(page.locator('#publicity-ends')), /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
      assert.equal(await subsidyActions(page).then((a) => a.includes('approve')), false, 'no approve button for the computer');
      assert.match(await text(page.locator('#duty-notes')), /审批人不得与核算人为同一人/, 'approval is someone else’s');
    });
    // Approval, by the approver, waits for the end of the period.
    await env.withPage(t, async (page) => {
      await login(page, 'demo-approver');
      await page.goto(state.subsidyPath);
      const early = await clickAndLoad(
        page,
        page.locator('form.subsidy-action[data-action="approve"] button[type=submit]'),
      );
      assert.equal(early.status, 422, 'approval during 公示 is refused');
      assert.deepEqual(await subsidyStatus(page), { code: 'publicised', label: '公示中' });
    });

    // The public notice shows it, with the trace, and takes objections while under 公示.
    await env.withPage(t, async (page) => {
      await page.goto('/public/subsidies');
      assert.equal((await pageFacts(page)).h1, '奖补资金公示');
      const row = page.locator('#public-subsidies tbody tr[data-subsidy]', { hasText: TITLE });
      assert.equal(await row.count(), 1);
      const shown = await text(row);
      for (const s of [ENTERPRISE.name, ENTERPRISE.uscc, state.amount, '公示中']) {
        assert.ok(shown.includes(s), `the notice shows ${s}: ${shown}`);
      }
      const id = await row.getAttribute('data-subsidy');
      assert.equal(await page.locator(`form[action="/public/subsidies/${id}/objections"]`).count(), 1);
    });
  });

  step('after 公示 the city clears the integrity flags with a reason, the approver approves, the finance officer pays', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      // Wait out the 公示 period.
      await page.goto(state.subsidyPath);
      const ends = await page.evaluate(() => document.querySelector('#publicity-ends').textContent.trim());
      assert.ok(ends, 'the period has an end');
      await new Promise((r) => setTimeout(r, (PUBLICITY_SECONDS + 2) * 1000));

      // The project's integrity flags (if any) are cleared with a reason.
      await page.goto(state.projectPath);
      for (;;) {
        const form = page.locator('form.flag-clear').first();
        if ((await form.count()) === 0) break;
        await form.locator('input[name=reason]').fill('经核实为正常情形：项目按计划实施');
        const res = await clickAndLoad(page, form.locator('button[type=submit]'));
        await accepted(page, res, 'clear a flag', state.projectPath);
      }
      const flags = await page.locator('#flags tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.status));
      assert.ok(flags.every((s) => s === 'cleared'), `all flags cleared: ${flags}`);

      // The project lists its subsidy.
      const link = page.locator('#project-subsidies a');
      assert.equal(await link.getAttribute('href'), state.subsidyPath);
      await clickAndLoad(page, link);
      assert.equal(pathOf(page), state.subsidyPath);

      assert.equal(await subsidyActions(page).then((a) => a.includes('approve')), false, 'not by the computer');
    });
    await env.withPage(t, async (page) => {
      await login(page, 'demo-approver');
      await page.goto(state.subsidyPath);
      const approve = page.locator('form.subsidy-action[data-action="approve"]');
      assert.equal(await text(approve.locator('button')), '批准拨付');
      const res = await clickAndLoad(page, approve.locator('button[type=submit]'));
      await accepted(page, res, 'approve', state.subsidyPath);
      assert.deepEqual(await subsidyStatus(page), { code: 'approved', label: '已批准' });
      // The approver does not pay; the page says why.
      assert.equal(await page.locator('form#pay-form').count(), 0);
      assert.match(await text(page.locator('#duty-notes')), /付款人不得与审批人为同一人/);
    });
    await env.withPage(t, async (page) => {
      await login(page, 'demo-finance');
      await page.goto(state.subsidyPath);
      const pay = page.locator('form#pay-form');
      const key = await pay.locator('input[name=idempotency_key]').inputValue();
      assert.match(key, /^[0-9a-f]{32}$/);
      await pay.locator('#voucher').fill('PZ-E2E-0001');
      const paid = await clickAndLoad(page, pay.getByRole('button', { name: '确认拨付', exact: true }));
      await accepted(page, paid, 'pay', state.subsidyPath);
      assert.deepEqual(await subsidyStatus(page), { code: 'paid', label: '已拨付' });
      assert.equal(await page.locator('form#pay-form').count(), 0);
      const payments = await page.locator('#subsidy-payments tbody tr').allTextContents();
      assert.equal(payments.length, 1);
      assert.ok(payments[0].includes('PZ-E2E-0001') && payments[0].includes('已入账'), payments[0]);
      assert.ok(payments[0].includes(BANK.replace(/\s/g, '')), `paid to the declared account: ${payments[0]}`);
      // The ledger: reserved, approved, paid — three balanced transfers.
      const transfers = await page.locator('#transfers tbody tr').evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('li')].map((l) => l.dataset.kind).sort().join('>')),
      );
      assert.deepEqual(transfers, ['commitment>pool', 'commitment>payable', 'disbursed>payable']);
      assert.deepEqual(
        await page.locator('#history tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.action)),
        ['compute', 'publicise', 'approve', 'pay'],
      );

      // The ledger page balances.
      await nav(page, '资金台账', '/ledger');
      assert.equal(await page.locator('#reconciliation').getAttribute('data-sound'), 'true');
      assert.match(await text(page.locator('#reconciliation')), /平衡/);
      // The subsidy list has it as paid.
      await nav(page, '奖补资金', '/subsidies');
      const row = page.locator('#subsidy-list tbody tr', { hasText: TITLE });
      assert.equal(await row.locator('td[data-status]').getAttribute('data-status'), 'paid');
      assert.equal(await text(row.locator('td[data-status]')), '已拨付');
    });
  });

  step('the enterprise sees its subsidy paid', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, USERS.enterprise, PASSWORD);
      await page.goto(state.projectPath);
      const row = page.locator('#project-subsidies tbody tr');
      assert.equal(await row.getAttribute('data-status'), 'paid');
      assert.match(await text(row), /已拨付/);
      await clickAndLoad(page, row.locator('a'));
      assert.equal(pathOf(page), state.subsidyPath);
      assert.deepEqual(await subsidyStatus(page), { code: 'paid', label: '已拨付' });
      assert.equal(await text(page.locator('#subsidy-amount strong')), state.amount);
      assert.equal(await page.locator('form.subsidy-action, form#pay-form, form.reverse-form').count(), 0, 'no money forms');
    });
  });

  step('after acceptance the enterprise rates the provider\'s service once', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, USERS.enterprise, PASSWORD);
      await page.goto(state.projectPath);
      const form = page.locator('form#satisfaction-form');
      assert.equal(await form.count(), 1, 'offered once the project is accepted');
      const labels = await form.locator('label[for^="sat-"]').evaluateAll((ls) => ls.map((l) => l.textContent.trim()));
      assert.deepEqual(labels.slice(0, 5), ['服务态度', '响应及时', '交付质量', '改造成效', '总体满意度']);
      for (const [dim, v] of [['attitude', '5'], ['responsiveness', '4'], ['quality', '5'], ['effect', '4'], ['overall', '5']]) {
        await form.locator(`select[name=score_${dim}]`).selectOption(v);
      }
      await form.locator('#sat-comment').fill('实施团队响应及时，点检全部线上化');
      const res = await clickAndLoad(page, form.getByRole('button', { name: '提交评价', exact: true }));
      await accepted(page, res, 'satisfaction', state.projectPath);
      // 23 of 25 points = 92.
      assert.equal(await page.locator('#satisfaction-record').getAttribute('data-points'), '92');
      assert.equal(await text(page.locator('#satisfaction-record dd[data-dimension="responsiveness"]')), '4 / 5');
      assert.equal(await page.locator('form#satisfaction-form').count(), 0, 'once per project');
    });
  });

  step('the officer sees the satisfaction on the provider\'s page', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto(`/providers/${state.providerId}`);
      const dd = page.locator('#provider-satisfaction');
      assert.equal(await dd.getAttribute('data-count'), '1', 'the demo city has no other evaluation of it');
      assert.equal(await text(page.locator('#satisfaction-avg')), '92');
      assert.match(await text(dd), /服务态度 5/);
    });
  });
});
