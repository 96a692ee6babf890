// The provider pool (服务商库) through the browser, from an application to
// admission: a provider applies anonymously (and gets its own account), the
// city officer starts an expert review, three experts declare conflicts of
// interest and score against the rubric, the officer combines the scores and
// the provider goes under 公示, a member of the public objects, the officer
// cannot admit while 公示 runs or an objection is open, dismisses it and
// admits; the public page then shows the whole history.
//
// The steps build on each other, so they run in order and a failed step skips
// the rest. The server runs with a 公示 period of PUBLICITY_SECONDS instead of
// 7 days (config key providers.publicity_seconds).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  clickAndLoad,
  columnTexts,
  login,
  open,
  pageFacts,
  pathOf,
  tableLinks,
  useStack,
} from './helpers.mjs';

const PUBLICITY_SECONDS = 25;

const env = useStack('provider-pool', {
  env: { DENGTA_PROVIDERS__PUBLICITY_SECONDS: String(PUBLICITY_SECONDS) },
});

const text = async (locator) => (await locator.textContent()).trim();

const APPLICANT = {
  uscc: '91320102MA1X2YDL7J',
  name: '玄武端到端数字化服务有限公司',
  kind: 'product',
  kindLabel: '小快轻准产品型',
  subIndustries: ['智能装备', '电子信息'],
  foundedYear: '2016',
  qualifications: 'ISO 9001 质量管理体系认证；软件著作权 8 项',
  cases: '为 15 家电子元器件企业实施设备联网与质量追溯',
  attachments: '资质证明-2026-001.pdf',
  contactName: '周敏',
  contactPhone: '13800001111',
  username: 'e2e-pool-applicant',
  password: 'Pool#Test2026x',
};

const EXPERTS = [
  { user: 'demo-expert', name: '评审专家' },
  { user: 'demo-expert2', name: '评审专家（二）' },
  { user: 'demo-expert3', name: '评审专家（三）' },
];

/** What the steps learn and hand on. */
const state = {
  /** /providers/{id} */
  providerPath: '',
  /** /public/providers/{id} */
  publicPath: '',
  /** Each expert's sheet total. */
  totals: [],
  /** Date.now() just after the officer closed the review (公示 starts before that). */
  publicisedAt: 0,
  objectionReason: '经核实，异议所述合同纠纷已于 2025 年调解结案，不影响入库',
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

/** Fills the application form (not the password unless given). */
async function fillApplication(page, a) {
  await page.locator('[name=uscc]').fill(a.uscc);
  await page.locator('[name=name]').fill(a.name);
  await page.locator('select[name=kind]').selectOption(a.kind);
  for (const s of a.subIndustries) {
    await page.locator('label', { hasText: s }).locator('input[name=sub_industry]').check();
  }
  await page.locator('[name=founded_year]').fill(a.foundedYear);
  await page.locator('[name=qualifications]').fill(a.qualifications);
  await page.locator('[name=cases]').fill(a.cases);
  await page.locator('[name=attachments]').fill(a.attachments);
  await page.locator('[name=contact_name]').fill(a.contactName);
  await page.locator('[name=contact_phone]').fill(a.contactPhone);
  await page.locator('[name=username]').fill(a.username);
}

/** The status shown on a provider page: { code, label }. */
async function providerStatus(page) {
  const dd = page.locator('#provider-status');
  return { code: await dd.getAttribute('data-status'), label: await text(dd.locator('strong')) };
}

/** Submits one lifecycle action form on the provider page; returns the load result. */
async function submitAction(page, action) {
  const form = page.locator(`form.action-form[data-action="${action}"]`);
  return clickAndLoad(page, form.locator('button[type=submit]'));
}

/** The refusal shown after a form was turned down: asserts 422 and returns its text. */
async function refusal(page, res, where) {
  assert.equal(res.status, 422, `${where}: refused with 422 (${JSON.stringify(res)})`);
  return text(page.locator('#form-error'));
}

/** The success notice after a form went through. */
async function notice(page) {
  return text(page.locator('main .alert.ok'));
}

describe('provider pool admission, from the application to 在库', () => {
  step('an anonymous applicant is refused for a wrong code, keeps its input, then applies', async (t) => {
    await env.withPage(t, async (page) => {
      const res = await open(page, '/providers/apply');
      assert.equal(res.status, 200);
      assert.equal((await pageFacts(page)).h1, '申请入库（服务商）');
      // Every sub-industry of the city can be chosen.
      const labels = await page
        .locator('label', { has: page.locator('input[name=sub_industry]') })
        .allTextContents();
      for (const s of ['智能装备', '汽车零部件', '电子信息']) {
        assert.ok(labels.some((l) => l.includes(s)), `sub-industry ${s} offered: ${labels}`);
      }
      // The password rule is stated next to the field.
      assert.match(await text(page.locator('#pw-rule')), /至少8位/);

      // A code whose check character is wrong is refused; the rest is kept.
      await fillApplication(page, { ...APPLICANT, uscc: '91320102MA1X2YDL0X' });
      await page.locator('[name=password]').fill(APPLICANT.password);
      const refused = await clickAndLoad(page, page.getByRole('button', { name: '提交申请', exact: true }));
      assert.equal(refused.path, '/providers/apply');
      assert.match(await refusal(page, refused, 'wrong USCC'), /统一社会信用代码/);
      assert.equal(await page.locator('[name=uscc]').inputValue(), '91320102MA1X2YDL0X');
      assert.equal(await page.locator('[name=name]').inputValue(), APPLICANT.name);
      assert.equal(await page.locator('select[name=kind]').inputValue(), APPLICANT.kind);
      assert.equal(await page.locator('[name=qualifications]').inputValue(), APPLICANT.qualifications);
      assert.equal(await page.locator('[name=contact_phone]').inputValue(), APPLICANT.contactPhone);
      assert.equal(await page.locator('[name=username]').inputValue(), APPLICANT.username);
      for (const s of APPLICANT.subIndustries) {
        assert.ok(
          await page.locator('label', { hasText: s }).locator('input[name=sub_industry]').isChecked(),
          `${s} still checked`,
        );
      }
      assert.equal(await page.locator('[name=password]').inputValue(), '', 'the password is not sent back');

      // Corrected, it goes through and leads to the login page.
      await page.locator('[name=uscc]').fill(APPLICANT.uscc);
      await page.locator('[name=password]').fill(APPLICANT.password);
      const done = await clickAndLoad(page, page.getByRole('button', { name: '提交申请', exact: true }));
      assert.equal(done.status, 200, JSON.stringify(done));
      assert.equal(done.path, '/login');
      assert.match(await notice(page), /申请已提交/);
    });
  });

  step('the applicant signs in with its new account and sees its application 已申请', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, APPLICANT.username, APPLICANT.password);
      assert.equal(await text(page.locator('#home-role')), '服务商用户');
      assert.equal(await text(page.locator('#home-scope')), '玄武区（320102）', 'region from the code');
      await page.locator('nav.side a', { hasText: '服务商' }).click();
      await page.waitForURL((u) => u.pathname === '/providers');
      const rows = await tableLinks(page, '#provider-list');
      assert.deepEqual(rows.map(([name]) => name), [APPLICANT.name], 'only its own provider');
      assert.deepEqual(await columnTexts(page, '#provider-list', 4), ['已申请']);
      state.providerPath = rows[0][1];
      assert.match(state.providerPath, /^\/providers\/\d+$/);
      state.publicPath = `/public${state.providerPath}`;

      await clickAndLoad(page, page.locator('#provider-list tbody a', { hasText: APPLICANT.name }));
      assert.deepEqual(await providerStatus(page), { code: 'applied', label: '已申请' });
      assert.equal(await page.locator('form.action-form').count(), 0, 'the applicant has nothing to do yet');
    });
    // An application under review is not public.
    await env.withPage(t, async (page) => {
      assert.equal((await open(page, state.publicPath)).status, 404);
    });
  });

  step('the officer finds the application and starts an expert review with three experts', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto('/providers');
      await page.locator('select#status').selectOption('applied');
      const listed = await clickAndLoad(page, page.getByRole('button', { name: '筛选', exact: true }));
      assert.equal(listed.search, '?status=applied');
      const statuses = await columnTexts(page, '#provider-list', 4);
      assert.ok(statuses.length >= 1 && statuses.every((s) => s === '已申请'), statuses.join(', '));
      const links = new Map(await tableLinks(page, '#provider-list'));
      assert.equal(links.get(APPLICANT.name), state.providerPath);

      await clickAndLoad(page, page.locator('#provider-list tbody a', { hasText: APPLICANT.name }));
      assert.equal(pathOf(page), state.providerPath);
      assert.equal((await pageFacts(page)).h1, APPLICANT.name);
      assert.deepEqual(await providerStatus(page), { code: 'applied', label: '已申请' });
      assert.match(await text(page.locator('main')), new RegExp(APPLICANT.kindLabel));

      const form = page.locator('form.action-form[data-action="start_review"]');
      const button = form.locator('button[type=submit]');
      assert.equal(await text(button), '启动专家评审');
      // The label is the expert's name and region: 评审专家 must not match 评审专家（二）.
      const expert = (name) =>
        form.locator('label', { hasText: new RegExp(`^\\s*${name}\\s`) }).locator('input[name=expert]');
      for (const e of EXPERTS) {
        assert.equal(await expert(e.name).count(), 1, `expert ${e.name} offered once`);
      }

      // Two experts are not enough for the rubric.
      await expert(EXPERTS[0].name).check();
      await expert(EXPERTS[1].name).check();
      const tooFew = await submitAction(page, 'start_review');
      assert.match(await refusal(page, tooFew, 'two experts'), /专家人数不足，至少需要：3/);
      assert.deepEqual(await providerStatus(page), { code: 'applied', label: '已申请' });

      for (const e of EXPERTS) await expert(e.name).check();
      const started = await submitAction(page, 'start_review');
      assert.equal(started.status, 200, JSON.stringify(started));
      assert.equal(started.path, state.providerPath);
      assert.match(await notice(page), /已完成/);
      assert.deepEqual(await providerStatus(page), { code: 'reviewing', label: '专家评审中' });

      // Nobody has scored yet: the review cannot be closed.
      const early = await clickAndLoad(page, page.locator('#finish-review button[type=submit]'));
      assert.match(await refusal(page, early, 'finish before scores'), /尚有专家未完成评分，人数：3/);
      assert.deepEqual(await providerStatus(page), { code: 'reviewing', label: '专家评审中' });
    });
  });

  step('each expert declares no conflict of interest and scores the application', async (t) => {
    for (const e of EXPERTS) {
      await env.withPage(t, async (page) => {
        await login(page, e.user);
        await page.locator('nav.side a', { hasText: '评审任务' }).click();
        await page.waitForURL((u) => u.pathname === '/reviews');
        const sheets = new Map(await tableLinks(page, '#sheet-list'));
        const href = sheets.get(APPLICANT.name);
        assert.match(href ?? '', /^\/reviews\/\d+$/, `${e.user} has a sheet for the applicant`);
        await clickAndLoad(page, page.locator('#sheet-list tbody a', { hasText: APPLICANT.name }));
        assert.equal(pathOf(page), href);
        // The application's content is there to judge.
        assert.match(await text(page.locator('main')), new RegExp(APPLICANT.qualifications));

        const declare = page.locator('#declare');
        assert.equal(await page.locator('#scoring').count(), 0, 'no scoring before the declaration');
        if (e.user === 'demo-expert3') {
          // Declaring a conflict needs an explanation.
          await declare.locator('input[name=conflict][value=yes]').check();
          await declare.locator('input[name=note]').fill('');
          const refused = await clickAndLoad(page, declare.locator('button[type=submit]'));
          assert.match(await refusal(page, refused, 'conflict without a note'), /声明存在利益冲突时请说明情况/);
          assert.equal(await declare.count(), 1, 'the declaration is still open');
        }
        await declare.locator('input[name=conflict][value=no]').check();
        const declared = await clickAndLoad(page, declare.locator('button[type=submit]'));
        assert.equal(declared.status, 200, JSON.stringify(declared));
        assert.equal(declared.path, href);
        assert.equal(await page.locator('#declare').count(), 0, 'declared once');

        const inputs = page.locator('#scoring input[type=number]');
        const n = await inputs.count();
        assert.ok(n >= 4, `one input per criterion: ${n}`);
        let total = 0;
        for (let i = 0; i < n; i++) {
          const input = inputs.nth(i);
          assert.match(await input.getAttribute('name'), /^c_[a-z_]+$/);
          assert.equal(await input.getAttribute('min'), '0');
          const max = Number(await input.getAttribute('max'));
          assert.ok(max > 0, `max of ${await input.getAttribute('name')}`);
          const points = Math.floor(max * 0.8);
          total += points;
          await input.fill(String(points));
        }
        const scored = await clickAndLoad(page, page.getByRole('button', { name: '提交评分', exact: true }));
        assert.equal(scored.status, 200, JSON.stringify(scored));
        assert.match(await text(page.locator('#sheet-total')), new RegExp(`总分：${total}$`));
        // Submitted scores are final.
        assert.ok(await inputs.first().isDisabled(), 'scores cannot be changed');
        state.totals.push(total);
      });
    }
    assert.equal(state.totals.length, 3);
  });

  step('the officer closes the review: the scores are combined and the provider goes under 公示', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto(state.providerPath);
      // Every expert's declaration and total is on the file.
      const sheets = 'section.review table';
      assert.deepEqual(await columnTexts(page, sheets, 0), EXPERTS.map((e) => e.name));
      assert.deepEqual(await columnTexts(page, sheets, 1), ['无利益冲突', '无利益冲突', '无利益冲突']);
      assert.deepEqual(await columnTexts(page, sheets, 2), state.totals.map(String));
      const finish = page.locator('#finish-review button[type=submit]');
      assert.equal(await text(finish), '汇总评分并结束评审');
      const res = await clickAndLoad(page, finish);
      state.publicisedAt = Date.now();
      assert.equal(res.status, 200, JSON.stringify(res));
      assert.equal(res.path, state.providerPath);
      assert.deepEqual(await providerStatus(page), { code: 'publicised', label: '公示中' });
      assert.match(await text(page.locator('#provider-status')), /公示截止/);

      const result = await text(page.locator('#review-result'));
      const mean = state.totals.reduce((a, b) => a + b, 0) / state.totals.length;
      assert.match(result, /3 位专家评分/);
      assert.ok(result.includes(mean.toFixed(2)), `combined ${mean.toFixed(2)} in “${result}”`);
      assert.match(result, /通过/);
      // Closed: no more finishing or adding experts.
      assert.equal(await page.locator('#finish-review').count(), 0);
    });
  });

  step('anyone sees the 公示 notice and lodges an objection', async (t) => {
    await env.withPage(t, async (page) => {
      assert.equal((await open(page, '/public/providers')).status, 200);
      const notices = new Map(await tableLinks(page, '#notices'));
      assert.equal(notices.get(APPLICANT.name), state.publicPath, 'the notice links the public page');
      await clickAndLoad(page, page.locator('#notices tbody a', { hasText: APPLICANT.name }));
      assert.equal(pathOf(page), state.publicPath);
      assert.deepEqual(await providerStatus(page), { code: 'publicised', label: '公示中' });
      const main = await text(page.locator('main'));
      assert.match(main, /3 位专家评分/, 'the combined result is public');
      for (const e of EXPERTS) {
        assert.ok(!main.includes(e.name), `the expert ${e.name} stays anonymous`);
      }

      await page.locator('[name=name]').fill('南京某机械厂');
      await page.locator('[name=contact]').fill('025-88886666');
      await page.locator('[name=body]').fill('该服务商曾与我厂存在合同纠纷，请核实其服务能力');
      const res = await clickAndLoad(page, page.getByRole('button', { name: '提交异议', exact: true }));
      assert.equal(res.status, 200, JSON.stringify(res));
      assert.equal(res.path, state.publicPath);
      assert.match(await notice(page), /异议已提交/);
    });
  });

  step('the officer cannot admit during 公示 or with an open objection; dismisses it and admits', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto(state.providerPath);
      const objection = page.locator('#objections tbody tr', { hasText: '南京某机械厂' });
      assert.equal(await objection.count(), 1);
      assert.match(await text(objection), /025-88886666/, 'the officer sees the objector’s contact');
      assert.equal(await text(page.locator('form.action-form[data-action="admit"] button')), '入库');

      // While 公示 runs, admission is refused.
      assert.ok(
        Date.now() - state.publicisedAt < (PUBLICITY_SECONDS - 3) * 1000,
        'this step starts well inside the 公示 period',
      );
      const early = await submitAction(page, 'admit');
      assert.match(await refusal(page, early, 'admit during 公示'), /公示期至.*结束前不能入库/);
      assert.deepEqual(await providerStatus(page), { code: 'publicised', label: '公示中' });

      // Once the period is over, the open objection still stands in the way.
      const deadline = state.publicisedAt + (PUBLICITY_SECONDS + 30) * 1000;
      let message = '';
      let tries = 0;
      for (;;) {
        await page.goto(state.providerPath);
        tries++;
        message = await refusal(page, await submitAction(page, 'admit'), `admit, try ${tries}`);
        if (!/结束前不能入库/.test(message)) break;
        assert.ok(Date.now() < deadline, `公示 still running ${PUBLICITY_SECONDS + 30} s after it began: ${message}`);
        await page.waitForTimeout(1000);
      }
      console.log(`公示 over ${((Date.now() - state.publicisedAt) / 1000).toFixed(1)} s after publicising (${tries} tries)`);
      assert.match(message, /异议/);
      assert.match(message, /1 件异议尚未处理/);

      // Dismissing needs a reason.
      await page.goto(state.providerPath);
      const row = page.locator('#objections tbody tr', { hasText: '南京某机械厂' });
      const noReason = await clickAndLoad(page, row.getByRole('button', { name: '不予采纳', exact: true }));
      assert.match(await refusal(page, noReason, 'dismiss without reason'), /请填写理由/);
      await row.locator('input[name=reason]').fill(state.objectionReason);
      const dismissed = await clickAndLoad(page, row.getByRole('button', { name: '不予采纳', exact: true }));
      assert.equal(dismissed.status, 200, JSON.stringify(dismissed));
      assert.match(await notice(page), /已完成/);
      assert.match(await text(row), new RegExp(`不予采纳：${state.objectionReason}`));
      assert.deepEqual(await providerStatus(page), { code: 'publicised', label: '公示中' });

      const admitted = await submitAction(page, 'admit');
      assert.equal(admitted.status, 200, JSON.stringify(admitted));
      assert.equal(admitted.path, state.providerPath);
      assert.deepEqual(await providerStatus(page), { code: 'active', label: '在库' });
      assert.equal(await page.locator('form.action-form[data-action="admit"]').count(), 0);
    });
  });

  step('the public page shows 在库 and the history of every step', async (t) => {
    await env.withPage(t, async (page) => {
      assert.equal((await open(page, state.publicPath)).status, 200);
      assert.deepEqual(await providerStatus(page), { code: 'active', label: '在库' });
      assert.equal(await page.locator('[name=body]').count(), 0, 'no objections after 公示');
      assert.deepEqual(await columnTexts(page, '#provider-history', 1), ['提交申请', '启动专家评审', '公示', '入库']);
      assert.deepEqual(await columnTexts(page, '#provider-history', 2), [
        '已申请',
        '已申请 → 专家评审中',
        '专家评审中 → 公示中',
        '公示中 → 在库',
      ]);
      const publicised = await columnTexts(page, '#provider-history', 3);
      assert.match(publicised[2], /3 位专家评分/, 'the 公示 step gives the combined result as its reason');

      await page.goto('/public/providers');
      const pool = page.locator('#pool tbody tr', { hasText: APPLICANT.name });
      assert.equal(await pool.count(), 1, 'listed in the pool');
      assert.match(await text(pool), /在库/);
      const notices = await page.locator('#notices tbody a').allTextContents();
      assert.ok(!notices.map((s) => s.trim()).includes(APPLICANT.name), 'no longer under 公示');
    });
    // The applicant sees the outcome too.
    await env.withPage(t, async (page) => {
      await login(page, APPLICANT.username, APPLICANT.password);
      await page.goto('/providers');
      assert.deepEqual(await columnTexts(page, '#provider-list', 4), ['在库']);
    });
  });
});
