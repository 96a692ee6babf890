// A pilot programme (城市试点) through the browser, from an enterprise's
// application to a filed transformation project: the enterprise reads the
// programme's rules and applies (its eligibility is checked rule by rule), the
// city cannot act before the district, the district and then the city approve,
// the enterprise goes under 公示 and cannot be listed before the period ends,
// then is listed; it starts a project with a provider from the pool; the
// provider diagnoses (refused without a report, a PNG named .pdf refused),
// an expert approves the diagnosis, the provider submits the plan, the
// enterprise signs the contract (refused before the programme window) and the
// city files it. The project's history shows every step.
//
// The steps build on each other, so they run in order and a failed step skips
// the rest. The server runs with a 公示 period of PUBLICITY_SECONDS instead of
// 7 days (config key providers.publicity_seconds, which pilot enrolments use
// too).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  clickAndLoad,
  columnTexts,
  login,
  open,
  pageFacts,
  pathOf,
  useStack,
} from './helpers.mjs';

const PUBLICITY_SECONDS = 20;

const env = useStack('pilot-project', {
  env: { DENGTA_PROVIDERS__PUBLICITY_SECONDS: String(PUBLICITY_SECONDS) },
});

const text = async (locator) => (await locator.textContent()).trim();

const PROGRAMME = {
  id: 'nanjing-2024',
  name: '南京市中小企业数字化转型城市试点（2024年第二批）',
  window: '2024-10-18 — 2026-10-31',
  /** The entry rules the programme applies (data-rule codes and their labels). */
  rules: {
    sme: '中小企业',
    local: '本地注册',
    sub_industry: '属于试点细分行业',
    no_serious_dishonesty: '无严重失信',
    not_double_funded: '未重复获得资金支持',
    baseline_assessment: '已完成改造前自评测',
  },
};

const ENTERPRISE = {
  name: '南京玄武精密机械有限公司',
  uscc: '91320102MA1X2Y3B1X',
  industry: 'C3484',
  region: '320102',
  phone: '13912345678',
  legalRep: '张伟',
};

const PROVIDER = { name: '金陵工业互联网服务有限公司', uscc: '91320104MA1X2Y8F6T' };
/** A provider that applied but is not in the pool: it must not be offered. */
const NOT_IN_POOL = '玄武数智化咨询有限公司';

const PROJECT = {
  title: '玄武精密设备联网与设备管理改造（端到端）',
  diagnosis: {
    surveyDate: '2025-03-02',
    surveyors: '刘工、孙工',
    gaps: '设备未联网，点检靠纸质记录，故障停机无法追溯',
    recommendations: '部署数据采集网关和设备管理系统，实现点检与预测性维护',
  },
  schedule: '2025年3月签约，4月完成设备联网，6月系统上线，9月完成验收准备',
  filingNo: 'NJ-2025-E2E',
};

/** What the steps learn and hand on. */
const state = {
  /** /enrolments/{id} */
  enrolmentPath: '',
  /** Date.now() just before the city publicised the enrolment (公示 starts after that). */
  publiciseClickedAt: 0,
  /** Date.now() just after the city publicised the enrolment (公示 starts before that). */
  publicisedAt: 0,
  /** /projects/{id} */
  projectPath: '',
  /** The diagnosis report's hashes, computed here. */
  report: { sha256: '', sm3: '' },
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

/** The status shown on an enrolment or project page: { code, label }. */
async function statusOf(page, selector) {
  const dd = page.locator(selector);
  return { code: await dd.getAttribute('data-status'), label: await text(dd.locator('strong')) };
}
const enrolmentStatus = (page) => statusOf(page, '#enrolment-status');
const projectStatus = (page) => statusOf(page, '#project-status');

/** The data-action of every lifecycle form the page offers, in order. */
async function offeredActions(page) {
  return page.locator('form.action-form').evaluateAll((fs) => fs.map((f) => f.dataset.action));
}

/** Submits one lifecycle action form; returns the load result. */
async function submitAction(page, action) {
  const form = page.locator(`form.action-form[data-action="${action}"]`);
  return clickAndLoad(page, form.locator('button[type=submit]'));
}

/** The refusal shown after a form was turned down: asserts 422 and returns its text. */
async function refusal(page, res, where) {
  assert.equal(res.status, 422, `${where}: refused with 422 (${JSON.stringify(res)})`);
  return text(page.locator('#form-error'));
}

/** Asserts a form went through: 200 on the given page with the success notice. */
async function accepted(page, res, where, expectedPath) {
  const err = page.locator('#form-error');
  const why = (await err.count()) ? await text(err) : '';
  assert.equal(res.status, 200, `${where}: ${JSON.stringify(res)} ${why}`);
  assert.equal(res.path, expectedPath, where);
  assert.match(await text(page.locator('main .alert.ok')), /已完成/, where);
}

/** Follows a side-navigation entry and waits for its page. */
async function nav(page, label, pathname) {
  await page.locator('nav.side a', { hasText: label }).click();
  await page.waitForURL((u) => u.pathname === pathname);
}

/** Opens the test project from the project list reached through the side navigation. */
async function openProject(page) {
  await nav(page, '改造项目', '/projects');
  const link = page.locator('#project-list tbody a', { hasText: PROJECT.title });
  assert.equal(await link.count(), 1, 'the project is listed once');
  assert.equal(await link.getAttribute('href'), state.projectPath);
  await clickAndLoad(page, link);
  assert.equal(pathOf(page), state.projectPath);
  assert.equal((await pageFacts(page)).h1, PROJECT.title);
}

/** Column texts of a history table: [action, transition, reason, actor] per row. */
async function history(page) {
  // The step and states are shown as Chinese labels; their codes are in data attributes.
  return page.locator('#history tbody tr').evaluateAll((rows) =>
    rows.map((r) => {
      const cells = [...r.cells].map((c) => c.textContent.trim());
      const from = r.dataset.from;
      return [r.dataset.action, `${from ? `${from} ` : ''}→ ${r.dataset.to}`, cells[3], cells[4], cells[1], cells[2]];
    }),
  );
}

/** A small but well-formed one-page PDF (header, objects, xref table, trailer). */
function smallPdf() {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null, // the content stream, below
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = 'BT /F1 18 Tf 72 760 Td (Diagnosis report - e2e) Tj ET';
  objects[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let body = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** Fills the contract form: one party, two investment lines, the cost split. */
async function fillContract(page, signDate) {
  const form = page.locator('#contract-form form');
  await form.locator('#sign_date').fill(signDate);
  await form.locator('input[name=party_uscc]').nth(0).fill(PROVIDER.uscc);
  await form.locator('select[name=party_role]').nth(0).selectOption('integrator');
  await form.locator('input[name=party_amount]').nth(0).fill('200000');
  const lines = [
    ['software', '设备管理系统', '120000'],
    ['gateway', '数据采集网关', '80000'],
  ];
  for (const [i, [category, description, amount]] of lines.entries()) {
    await form.locator('select[name=line_category]').nth(i).selectOption(category);
    await form.locator('input[name=line_description]').nth(i).fill(description);
    await form.locator('input[name=line_amount]').nth(i).fill(amount);
  }
  await form.locator('#split_enterprise').fill('100000');
  await form.locator('#split_provider').fill('0');
  await form.locator('#split_government').fill('100000');
}

describe('a pilot enterprise enrols, a provider diagnoses and contracts, the district and the city approve', () => {
  let dir;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dengta-e2e-pilot-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  step('the enterprise reads the programme’s rules, applies, and cannot apply twice', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await nav(page, '试点项目', '/programmes');
      assert.equal((await pageFacts(page)).h1, '试点项目');

      const section = page.locator(`section.programme[data-programme="${PROGRAMME.id}"]`);
      assert.equal(await section.count(), 1, 'the Nanjing programme is shown');
      assert.match(await text(section.locator('h2')), new RegExp(PROGRAMME.name.replace(/[（）]/g, '.')));
      const facts = new Map(
        await section.locator('dl.facts').evaluate((dl) =>
          [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]),
        ),
      );
      assert.equal(facts.get('实施期'), PROGRAMME.window);
      const rules = facts.get('入库条件') ?? '';
      for (const label of Object.values(PROGRAMME.rules)) {
        assert.ok(rules.includes(label), `entry rule ${label} in “${rules}”`);
      }
      assert.ok(!rules.includes('规模以上企业'), `no 规上 requirement in Nanjing: “${rules}”`);
      const subsidy = facts.get('补助规则') ?? '';
      assert.match(subsidy, /可补助投入的 40%/);
      assert.match(subsidy, /验收等级不低于二级/);
      assert.match(facts.get('不予补助的支出') ?? '', /办公/);

      // Only the programme of its own city can be applied to.
      const apply = section.getByRole('button', { name: '申请入库', exact: true });
      assert.equal(await apply.count(), 1);
      const others = page.locator(`section.programme:not([data-programme="${PROGRAMME.id}"])`);
      assert.ok((await others.count()) >= 1, 'the other cities’ programmes are shown too');
      assert.equal(await others.getByRole('button', { name: '申请入库' }).count(), 0, 'but cannot be applied to');

      const res = await clickAndLoad(page, apply);
      assert.match(res.path, /^\/enrolments\/\d+$/);
      await accepted(page, res, 'apply', res.path);
      state.enrolmentPath = res.path;
      assert.deepEqual(await enrolmentStatus(page), { code: 'applied', label: '已申请' });
      assert.match(await text(page.locator('#enrolment-status').locator('..')), new RegExp(ENTERPRISE.name));

      // Every rule of the programme was checked, and every one passed.
      const checks = await page
        .locator('#eligibility tbody tr')
        .evaluateAll((rows) =>
          rows.map((r) => [
            r.dataset.rule,
            r.dataset.passed,
            r.cells[0].textContent.trim(),
            r.cells[2].textContent.trim(),
          ]),
        );
      assert.deepEqual(checks.map(([rule]) => rule).sort(), Object.keys(PROGRAMME.rules).sort());
      for (const [rule, passed, label, why] of checks) {
        assert.equal(passed, 'true', `${rule} passed: ${why}`);
        assert.equal(label, PROGRAMME.rules[rule]);
        assert.ok(why.length > 0, `${rule} is explained`);
      }
      // The enterprise only follows its application.
      assert.deepEqual(await offeredActions(page), []);
      assert.equal(await page.locator('#new-project').count(), 0, 'no project before listing');
      assert.deepEqual((await history(page)).map(([action, , , , label]) => [action, label]), [['apply', '提交申请']]);

      // A second application is not offered (the server refuses one anyway: tested in the API tests).
      await page.goto('/programmes');
      assert.equal(await section.getByRole('button', { name: '申请入库', exact: true }).count(), 0);

      // Its own list has the one application.
      await nav(page, '试点企业入库', '/enrolments');
      const links = page.locator('#enrolment-list tbody a');
      assert.deepEqual(await links.allTextContents(), [ENTERPRISE.name]);
      assert.equal(await links.first().getAttribute('href'), state.enrolmentPath);
    });
  });

  step('the city cannot act before the district; the district approves', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const res = await open(page, state.enrolmentPath);
      assert.equal(res.status, 200);
      assert.deepEqual(await enrolmentStatus(page), { code: 'applied', label: '已申请' });
      const offered = await offeredActions(page);
      assert.ok(!offered.includes('district_approve'), `the city has no district review: ${offered}`);
      assert.ok(!offered.includes('city_approve'), `the city has nothing to approve yet: ${offered}`);

      // Even a hand-made request for the city's approval is refused while the district has not reviewed.
      const csrf = await page.locator('input[name=_csrf]').first().inputValue();
      await page.evaluate(
        ({ action, csrf }) => {
          const f = document.createElement('form');
          f.method = 'post';
          f.action = action;
          f.id = 'forged';
          for (const [k, v] of Object.entries({ _csrf: csrf, action: 'city_approve', version: '0', reason: '' })) {
            const i = document.createElement('input');
            i.type = 'hidden';
            i.name = k;
            i.value = v;
            f.append(i);
          }
          const b = document.createElement('button');
          b.type = 'submit';
          b.textContent = 'forged';
          f.append(b);
          document.body.append(f);
        },
        { action: `${state.enrolmentPath}/step`, csrf },
      );
      const forged = await clickAndLoad(page, page.locator('#forged button'));
      assert.match(
        await refusal(page, forged, 'city approval before the district'),
        /当前状态“已申请”下不能执行“市级审核通过”/,
      );
      assert.deepEqual(await enrolmentStatus(page), { code: 'applied', label: '已申请' });
    });

    await env.withPage(t, async (page) => {
      await login(page, 'demo-district');
      await nav(page, '试点企业入库', '/enrolments');
      const link = page.locator('#enrolment-list tbody a', { hasText: ENTERPRISE.name });
      assert.equal(await link.count(), 1);
      assert.equal(await link.getAttribute('href'), state.enrolmentPath);
      const row = page.locator('#enrolment-list tbody tr', { has: page.locator('a', { hasText: ENTERPRISE.name }) });
      assert.equal(await row.locator('td[data-status]').getAttribute('data-status'), 'applied');

      await clickAndLoad(page, link);
      assert.equal(pathOf(page), state.enrolmentPath);
      assert.deepEqual(await offeredActions(page), ['district_approve', 'district_reject']);
      assert.equal(await text(page.locator('form.action-form[data-action="district_approve"] button')), '区县审核通过');
      const res = await submitAction(page, 'district_approve');
      await accepted(page, res, 'district_approve', state.enrolmentPath);
      assert.deepEqual(await enrolmentStatus(page), { code: 'district_approved', label: '区县已审核' });
      // The city's review is not the district's to do.
      assert.deepEqual(await offeredActions(page), []);
    });
  });

  step('the city approves and publicises; listing waits for the end of 公示; the public sees the notice', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto(state.enrolmentPath);
      assert.deepEqual(await enrolmentStatus(page), { code: 'district_approved', label: '区县已审核' });
      assert.deepEqual(await offeredActions(page), ['city_approve', 'city_reject']);
      // The city's approval has an (optional) override reason; an eligible enterprise needs none.
      const reason = page.locator('form.action-form[data-action="city_approve"] input[name=reason]');
      assert.equal(await reason.count(), 1);
      assert.equal(await reason.inputValue(), '');
      const approved = await submitAction(page, 'city_approve');
      await accepted(page, approved, 'city_approve', state.enrolmentPath);
      assert.deepEqual(await enrolmentStatus(page), { code: 'city_approved', label: '市级已审核' });
      assert.equal(await page.locator('#enrolment-status .tag').count(), 0, 'no override flag, no 公示 yet');

      assert.deepEqual(await offeredActions(page), ['city_reject', 'publicise']);
      state.publiciseClickedAt = Date.now();
      const publicised = await submitAction(page, 'publicise');
      state.publicisedAt = Date.now();
      await accepted(page, publicised, 'publicise', state.enrolmentPath);
      assert.deepEqual(await enrolmentStatus(page), { code: 'publicised', label: '公示中' });
      assert.match(await text(page.locator('#enrolment-status .tag.warn')), /^公示截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

      // While 公示 runs, listing is refused.
      assert.ok(
        Date.now() - state.publicisedAt < (PUBLICITY_SECONDS - 3) * 1000,
        'this check runs well inside the 公示 period',
      );
      const early = await submitAction(page, 'list');
      assert.match(await refusal(page, early, 'list during 公示'), /公示期.*结束前不能入库/);
      assert.deepEqual(await enrolmentStatus(page), { code: 'publicised', label: '公示中' });
    });

    // Anyone sees the notice: the name, industry and region, nothing private.
    await env.withPage(t, async (page) => {
      const res = await open(page, '/public/pilot-enterprises');
      assert.equal(res.status, 200);
      const notice = page.locator('details.notice', { hasText: ENTERPRISE.name });
      assert.equal(await notice.count(), 1, 'under 公示');
      const summary = await text(notice.locator('summary'));
      assert.match(summary, new RegExp(`${ENTERPRISE.industry}.*${ENTERPRISE.region}`));
      assert.match(summary, /公示截止/);
      const html = await page.content();
      for (const secret of [ENTERPRISE.phone, ENTERPRISE.uscc, ENTERPRISE.legalRep]) {
        assert.ok(!html.includes(secret), `${secret} is not public`);
      }
      const listed = await columnTexts(page, '#listed', 0);
      assert.ok(!listed.includes(ENTERPRISE.name), 'not yet listed');
    });

    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const deadline = state.publicisedAt + (PUBLICITY_SECONDS + 30) * 1000;
      let tries = 0;
      let res;
      for (;;) {
        await page.goto(state.enrolmentPath);
        tries++;
        res = await submitAction(page, 'list');
        if (res.status !== 422) break;
        const message = await text(page.locator('#form-error'));
        assert.match(message, /结束前不能入库/, `list, try ${tries}`);
        assert.ok(Date.now() < deadline, `公示 still running ${PUBLICITY_SECONDS + 30} s after it began: ${message}`);
        await page.waitForTimeout(1000);
      }
      const waited = (Date.now() - state.publiciseClickedAt) / 1000;
      console.log(`listed ${waited.toFixed(1)} s after publicising (${tries} tries)`);
      assert.ok(waited >= PUBLICITY_SECONDS, `not listed before the 公示 period ended (${waited} s)`);
      await accepted(page, res, 'list', state.enrolmentPath);
      assert.deepEqual(await enrolmentStatus(page), { code: 'listed', label: '已入库' });
      assert.equal(await page.locator('#enrolment-status .tag').count(), 0, 'the 公示 tag is gone');

      const steps = await history(page);
      assert.deepEqual(
        steps.map(([action]) => action),
        ['apply', 'district_approve', 'city_approve', 'publicise', 'list'],
      );
      assert.deepEqual(steps.map(([, transition]) => transition), [
        '→ applied',
        'applied → district_approved',
        'district_approved → city_approved',
        'city_approved → publicised',
        'publicised → listed',
      ]);
      assert.deepEqual(steps.map(([, , , actor]) => actor), [
        'demo-enterprise',
        'demo-district',
        'demo-officer',
        'demo-officer',
        'demo-officer',
      ]);
    });

    await env.withPage(t, async (page) => {
      await open(page, '/public/pilot-enterprises');
      assert.equal(await page.locator('details.notice', { hasText: ENTERPRISE.name }).count(), 0, 'no longer under 公示');
      const row = page.locator('#listed tbody tr', { hasText: ENTERPRISE.name });
      assert.equal(await row.count(), 1, 'in the public pool');
      assert.match(await text(row), new RegExp(PROGRAMME.name.replace(/[（）]/g, '.')));
    });
  });

  step('the listed enterprise starts a project with a provider from the pool', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await nav(page, '试点企业入库', '/enrolments');
      const row = page.locator('#enrolment-list tbody tr', { hasText: ENTERPRISE.name });
      assert.equal(await row.locator('td[data-status]').getAttribute('data-status'), 'listed');
      await clickAndLoad(page, row.locator('a'));
      assert.equal(pathOf(page), state.enrolmentPath);

      const form = page.locator('#new-project');
      assert.equal(await form.count(), 1, 'a listed enterprise may start a project');
      const providers = (await form.locator('#pprovider option').allTextContents()).map((s) => s.trim());
      assert.ok(providers.includes(PROVIDER.name), `pool providers offered: ${providers}`);
      assert.ok(!providers.includes(NOT_IN_POOL), 'a provider still under review is not offered');
      await form.locator('#ptitle').fill(PROJECT.title);
      await form.locator('#pprovider').selectOption({ label: PROVIDER.name });
      const res = await clickAndLoad(page, form.getByRole('button', { name: '立项', exact: true }));
      assert.match(res.path, /^\/projects\/\d+$/);
      await accepted(page, res, 'create project', res.path);
      state.projectPath = res.path;
      assert.equal((await pageFacts(page)).h1, PROJECT.title);
      assert.deepEqual(await projectStatus(page), { code: 'draft', label: '草稿' });
      const main = await text(page.locator('main'));
      assert.ok(main.includes(PROVIDER.name), 'the chosen provider is on the project');
      // (The page names the programme by its id today; its name would do as well.)
      assert.ok(main.includes(PROGRAMME.id) || main.includes(PROGRAMME.name), 'under the programme');
      // The diagnosis is the provider's to start.
      assert.deepEqual(await offeredActions(page), []);
    });
  });

  step('the provider diagnoses: no report is refused, a disguised PNG is refused, a PDF report is kept', async (t) => {
    const pdf = smallPdf();
    const pdfPath = path.join(dir, '诊断报告.pdf');
    await writeFile(pdfPath, pdf);
    state.report.sha256 = createHash('sha256').update(pdf).digest('hex');
    state.report.sm3 = createHash('sm3').update(pdf).digest('hex');
    const fakePath = path.join(dir, '现场照片.pdf');
    await writeFile(fakePath, PNG);

    await env.withPage(t, async (page) => {
      await login(page, 'demo-provider');
      await openProject(page);
      assert.deepEqual(await projectStatus(page), { code: 'draft', label: '草稿' });
      assert.deepEqual(await offeredActions(page), ['start_diagnosis']);
      assert.equal(await text(page.locator('form.action-form[data-action="start_diagnosis"] button')), '开始诊断');
      const started = await submitAction(page, 'start_diagnosis');
      await accepted(page, started, 'start_diagnosis', state.projectPath);
      assert.deepEqual(await projectStatus(page), { code: 'diagnosing', label: '诊断中' });
      // Approving its own diagnosis is not the provider's part.
      assert.ok(!(await offeredActions(page)).includes('approve_diagnosis'));

      const diagnosis = page.locator('#diagnosis-form');
      const fillDiagnosis = async () => {
        const d = PROJECT.diagnosis;
        await diagnosis.locator('#survey_date').fill(d.surveyDate);
        await diagnosis.locator('#surveyors').fill(d.surveyors);
        await diagnosis.locator('#gaps').fill(d.gaps);
        await diagnosis.locator('#recommendations').fill(d.recommendations);
      };
      const submitDiagnosis = () =>
        clickAndLoad(page, diagnosis.getByRole('button', { name: '提交诊断', exact: true }));

      // Without a report the diagnosis cannot be submitted.
      await fillDiagnosis();
      const noReport = await submitDiagnosis();
      assert.match(await refusal(page, noReport, 'diagnosis without a report'), /诊断报告/);
      assert.deepEqual(await projectStatus(page), { code: 'diagnosing', label: '诊断中' });
      assert.equal(await page.locator('#evidence tbody tr').count(), 0);

      // The report is uploaded and hashed.
      await diagnosis.locator('#report').setInputFiles(pdfPath);
      const uploaded = await clickAndLoad(page, page.locator('#report-upload button[type=submit]'));
      await accepted(page, uploaded, 'upload the report', state.projectPath);
      const rows = page.locator('#evidence tbody tr');
      assert.equal(await rows.count(), 1);
      const cells = (await rows.first().locator('td').allTextContents()).map((s) => s.trim());
      assert.match(cells[0], /^诊断报告\.pdf\s+application\/pdf · \d+ B$/);
      assert.ok(cells[0].includes(`${pdf.length} B`), `size ${pdf.length} in “${cells[0]}”`);
      assert.equal(cells[1], 'diagnosis_report');
      const hashes = (await rows.first().locator('td').nth(2).innerText()).split(/\s+/).filter(Boolean);
      assert.deepEqual(hashes, [state.report.sha256, state.report.sm3], 'SHA-256 and SM3 of the file');

      // A PNG named .pdf is refused for what it is.
      await diagnosis.locator('#report').setInputFiles(fakePath);
      const fake = await clickAndLoad(page, page.locator('#report-upload button[type=submit]'));
      assert.match(await refusal(page, fake, 'PNG named .pdf'), /文件内容与扩展名不符/);
      assert.equal(await page.locator('#evidence tbody tr').count(), 1, 'nothing added');

      // With the report on file the diagnosis goes in; it stays 诊断中 until reviewed.
      await page.goto(state.projectPath);
      await fillDiagnosis();
      const submitted = await submitDiagnosis();
      await accepted(page, submitted, 'submit the diagnosis', state.projectPath);
      assert.deepEqual(await projectStatus(page), { code: 'diagnosing', label: '诊断中' });
      // The diagnosis as recorded (not the form, which stays open until the review).
      const recorded = page.locator('section.card:not(#diagnosis-form)', { has: page.locator('h2', { hasText: /^诊断$/ }) });
      assert.equal(await recorded.count(), 1);
      const shown = await text(recorded);
      for (const v of Object.values(PROJECT.diagnosis)) {
        assert.ok(shown.includes(v), `the diagnosis shows “${v}”`);
      }
      assert.ok(shown.includes(state.report.sha256), 'the diagnosis names its report by hash');
    });
  });

  step('an expert approves the diagnosis', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-expert');
      await openProject(page);
      assert.deepEqual(await projectStatus(page), { code: 'diagnosing', label: '诊断中' });
      assert.deepEqual(await offeredActions(page), ['approve_diagnosis', 'return_diagnosis']);
      const res = await submitAction(page, 'approve_diagnosis');
      await accepted(page, res, 'approve_diagnosis', state.projectPath);
      assert.deepEqual(await projectStatus(page), { code: 'diagnosed', label: '诊断完成' });
      assert.deepEqual(await offeredActions(page), []);
    });
  });

  step('the provider submits the transformation plan', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-provider');
      await openProject(page);
      const plan = page.locator('#plan-form');
      assert.equal(await plan.count(), 1);
      await plan.locator('#target_equipment_management').selectOption('3');
      // Itemised investment by category; an excluded category is flagged once shown.
      await plan.locator('select[name="line_category"]').nth(0).selectOption('software');
      await plan.locator('input[name="line_description"]').nth(0).fill('设备管理系统');
      await plan.locator('input[name="line_amount"]').nth(0).fill('120000');
      await plan.locator('select[name="line_category"]').nth(1).selectOption('office_pc');
      await plan.locator('input[name="line_description"]').nth(1).fill('办公电脑');
      await plan.locator('input[name="line_amount"]').nth(1).fill('8000');
      await plan.locator('#schedule').fill(PROJECT.schedule);
      const res = await clickAndLoad(page, plan.getByRole('button', { name: '提交改造方案', exact: true }));
      await accepted(page, res, 'submit the plan', state.projectPath);
      assert.deepEqual(await projectStatus(page), { code: 'planned', label: '方案已提交' });
      assert.equal(await page.locator('#plan-form').count(), 0, 'submitted once');
      const shown = await text(page.locator('section.card:not(#plan-form)', { has: page.locator('h2', { hasText: /^改造方案$/ }) }));
      assert.ok(shown.includes(PROJECT.schedule), 'the schedule is shown');
      assert.match(shown, /设备管理 → L3/, 'the target scene and level are shown');
      const lines = await page.locator('#plan-lines tbody tr').allTextContents();
      assert.equal(lines.length, 2);
      assert.match(lines[1], /办公电脑/);
      assert.match(lines[1], /不予补助/, 'an excluded category is flagged');
      assert.doesNotMatch(lines[0], /不予补助/);
    });
  });

  step('the enterprise signs the contract: refused before the window, signed inside it', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await openProject(page);
      assert.deepEqual(await projectStatus(page), { code: 'planned', label: '方案已提交' });
      const form = page.locator('#contract-form form');
      assert.equal(await form.count(), 1);
      assert.equal(await form.locator('input[name=party_name]').first().inputValue(), PROVIDER.name, 'the provider is prefilled');
      const criteria = form.locator('input[name=criterion]');
      assert.ok((await criteria.count()) >= 1, 'the programme’s acceptance criteria are offered');
      for (let i = 0; i < (await criteria.count()); i++) {
        assert.ok(await criteria.nth(i).isChecked(), `criterion ${i} pre-checked`);
      }
      const sign = () => clickAndLoad(page, form.getByRole('button', { name: '签订合同', exact: true }));

      // Signed before the programme window: refused, and the message names the date and the window.
      await fillContract(page, '2023-01-05');
      const early = await sign();
      const message = await refusal(page, early, 'contract before the window');
      assert.match(message, /签约日期 2023-01-05 不在试点实施期 2024-10-18 至 2026-10-31 内/);
      assert.deepEqual(await projectStatus(page), { code: 'planned', label: '方案已提交' });
      assert.equal(await page.locator('section#contract').count(), 0, 'no contract recorded');

      await fillContract(page, '2025-03-10');
      const signed = await sign();
      await accepted(page, signed, 'sign the contract', state.projectPath);
      assert.deepEqual(await projectStatus(page), { code: 'contracted', label: '已签约' });
      const contract = page.locator('section#contract');
      const shown = await text(contract);
      assert.match(shown, /2025-03-10/);
      assert.match(shown, /贰拾万元整/);
      for (const s of [PROVIDER.name, PROVIDER.uscc, '集成服务商', '设备管理系统', '数据采集网关']) {
        assert.ok(shown.includes(s), `the contract shows “${s}”`);
      }
      // The contract is printable with the amount in capital numerals.
      await clickAndLoad(page, contract.getByRole('link', { name: '打印版' }));
      assert.equal(pathOf(page), `${state.projectPath}/contract`);
      assert.match(await text(page.locator('#amount-words')), /贰拾万元整/);
      assert.match(await text(page.locator('#amount-words')), /200,?000\.00/);
    });
  });

  step('the city files the project; the list shows the filing number', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await openProject(page);
      assert.deepEqual(await projectStatus(page), { code: 'contracted', label: '已签约' });
      const filing = page.locator('#filing-form');
      await filing.locator('#filing_no').fill(PROJECT.filingNo);
      const res = await clickAndLoad(page, filing.getByRole('button', { name: '备案', exact: true }));
      await accepted(page, res, 'file', state.projectPath);
      assert.deepEqual(await projectStatus(page), { code: 'filed', label: '已备案' });
      assert.equal(await page.locator('#filing-form').count(), 0);

      await nav(page, '改造项目', '/projects');
      const row = page.locator('#project-list tbody tr', { hasText: PROJECT.title });
      assert.equal(await row.count(), 1);
      const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
      assert.deepEqual(cells, [PROJECT.title, ENTERPRISE.name, PROVIDER.name, PROJECT.filingNo, '已备案']);
    });
  });

  step('the project history shows every step in order', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await page.goto(state.projectPath);
      const steps = await history(page);
      assert.deepEqual(steps.map(([action]) => action), [
        'create',
        'start_diagnosis',
        'submit_diagnosis',
        'approve_diagnosis',
        'submit_plan',
        'sign_contract',
        'file',
      ]);
      assert.deepEqual(steps.map(([, transition]) => transition), [
        '→ draft',
        'draft → diagnosing',
        'diagnosing → diagnosing',
        'diagnosing → diagnosed',
        'diagnosed → planned',
        'planned → contracted',
        'contracted → filed',
      ]);
      assert.deepEqual(steps.map(([, , , actor]) => actor), [
        'demo-enterprise',
        'demo-provider',
        'demo-provider',
        'demo-expert',
        'demo-provider',
        'demo-enterprise',
        'demo-officer',
      ]);
      assert.equal(steps.at(-1)[2], PROJECT.filingNo, 'the filing step records the number');
    });
  });
});
