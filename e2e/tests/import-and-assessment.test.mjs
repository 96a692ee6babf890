// Bulk import and the digital-level assessment through the browser: an
// official downloads the template, imports a file with two bad rows, reads the
// error report and imports the corrected file; an enterprise answers the
// questionnaire step by step (with a draft in between), is refused without the
// truthfulness pledge, and reads its report.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  clickAndLoad,
  columnTexts,
  login,
  pageFacts,
  pathOf,
  screenshot,
  useStack,
} from './helpers.mjs';

const env = useStack('import-and-assessment');

const text = async (locator) => (await locator.textContent()).trim();

// ───────────────────────── 统一社会信用代码 (GB 32100-2015) ─────────────────────────

const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character for the first 17 characters of a code. */
function usccCheckChar(first17) {
  assert.equal(first17.length, 17, `17 characters expected: ${first17}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARSET.indexOf(first17[i]);
    assert.ok(v >= 0, `${first17[i]} is not a code character`);
    sum += v * USCC_WEIGHTS[i];
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/** A complete, valid code. */
const validUscc = (first17) => first17 + usccCheckChar(first17);

/** The same code with a check character that is not the right one. */
function wrongUscc(first17) {
  const right = usccCheckChar(first17);
  return first17 + (right === '0' ? '1' : '0');
}

// The helper agrees with codes the server accepts elsewhere in the suite.
for (const known of ['91320102MA1X2Y3B1X', '91320104MA1Y00018F', '91320104MA1Y00026A', '91320104MA1Y000345']) {
  assert.equal(validUscc(known.slice(0, 17)), known, `check character of ${known}`);
}

// ───────────────────────────── import helpers ─────────────────────────────

/** Clicks a link that starts a download; resolves to { name, text }. */
async function download(page, link) {
  const [d] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const failure = await d.failure();
  assert.equal(failure, null, `download of ${d.url()} failed: ${failure}`);
  const body = await readFile(await d.path(), 'utf8');
  return { name: d.suggestedFilename(), text: body.replace(/^\uFEFF/, '') };
}

/** Splits a small CSV (no line breaks inside cells) into rows of cells. */
function parseCsv(body) {
  return body
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map((line) => {
      const cells = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quoted) {
          if (c === '"' && line[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (c === '"') quoted = false;
          else cur += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') {
          cells.push(cur);
          cur = '';
        } else cur += c;
      }
      cells.push(cur);
      return cells;
    });
}

/** On /enterprises/import: picks the file for the enterprise form and submits it. */
async function uploadEnterprises(page, file) {
  assert.equal(pathOf(page), '/enterprises/import');
  const form = page.locator('form', { has: page.locator('#file') });
  await page.locator('#file').setInputFiles(file);
  const res = await clickAndLoad(page, form.getByRole('button', { name: '开始导入', exact: true }));
  assert.equal(res.status, 200, JSON.stringify(res));
  assert.match(res.path, /^\/imports\/\d+$/, `the upload lands on the job page: ${JSON.stringify(res)}`);
  return res.path;
}

/**
 * Waits on /imports/{id} (which reloads itself every 2 s while the job runs)
 * until the status reads 已完成; returns the counters.
 */
async function waitForJob(page, jobPath, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let status = '';
  const seen = new Set();
  for (;;) {
    status = await page
      .locator('dd#job-status')
      .textContent({ timeout: 5000 })
      .then((s) => s.trim())
      .catch(() => '');
    if (status) seen.add(status);
    if (status === '已完成' || status === '失败') break;
    if (Date.now() > deadline) assert.fail(`import ${jobPath} still “${status}” after ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
  await page.waitForLoadState('load');
  assert.equal(pathOf(page), jobPath);
  assert.equal(status, '已完成', `the import finished: ${status}`);
  assert.equal(
    await page.locator('meta[http-equiv="refresh"]').count(),
    0,
    'a finished job no longer reloads itself',
  );
  const n = async (id) => Number(await text(page.locator(`dd#${id}`)));
  console.log(`${jobPath}: statuses seen ${[...seen].join(' → ')}`);
  return {
    rows: await n('job-rows'),
    inserted: await n('job-inserted'),
    updated: await n('job-updated'),
    unchanged: await n('job-unchanged'),
    failed: await n('job-failed'),
  };
}

// ───────────────────────────── questionnaire helpers ─────────────────────────────

/** Every answer field of the questionnaire form: name → value (text) or checked values. */
function answersOnPage(page) {
  return page.locator('#questionnaire').evaluate((form) => {
    const out = {};
    for (const el of form.querySelectorAll('input')) {
      if (!/^(q|scene|in|dim)\./.test(el.name)) continue;
      if (el.type === 'radio' || el.type === 'checkbox') {
        out[el.name] ??= [];
        if (el.checked) out[el.name].push(el.value);
      } else {
        out[el.name] = el.value;
      }
    }
    return out;
  });
}

/**
 * Answers every item of the current step as well as it can be answered: figures
 * 100 (the numerator of each ratio 80, so that it stays within its
 * denominator), the last option of single-choice questions, every option but
 * “无” of multiple-choice ones, the highest level of each scene.
 */
async function answerStep(page) {
  const form = page.locator('#questionnaire');
  for (const input of await form.locator('input[name^="in."]').all()) await input.fill('100');
  const outputs = await form
    .locator('output.ratio-out')
    .evaluateAll((os) => os.map((o) => ({ id: o.id, num: o.dataset.num, den: o.dataset.den })));
  for (const name of new Set(outputs.map((o) => o.num))) {
    await form.locator(`input[name="${name}"]`).fill('80');
  }
  for (const o of outputs) {
    // The page's script shows the ratio as it is typed.
    assert.equal(await text(page.locator(`output#${o.id}`)), '80.0%', `${o.num} ÷ ${o.den} shown live`);
  }
  assert.equal(await form.locator('input[name^="dim."]').count(), 0, 'no direct-entry dimensions expected');
  for (const q of await form.locator('fieldset.question').all()) {
    const radios = q.locator('input[type="radio"]');
    const boxes = q.locator('input[type="checkbox"]');
    if (await radios.count()) {
      await radios.last().check();
    } else if (await boxes.count()) {
      for (const box of await boxes.all()) {
        const label = await box.locator('xpath=ancestor::label[1]').textContent();
        if (/^\s*\w+\.\s*无\s*（/.test(label)) await box.setChecked(false);
        else await box.check();
      }
    }
    // A ratio question has no options: its figures were filled in above.
  }
}

/** Step names of the questionnaire, in order. */
async function stepNames(page) {
  const items = await page.locator('ol.steps li').allTextContents();
  return items.map((s) => s.trim().replace(/^\d+\.\s*/, ''));
}

// ───────────────────────────── the tests ─────────────────────────────

describe('bulk import of enterprises', () => {
  let dir;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dengta-e2e-import-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('an official imports a file with bad rows and fixes them', async (t) => {
    const good = { uscc: validUscc('91320104MA1Y00070'), name: '南京导入测试甲科技有限公司', industry: 'C3670' };
    const badCheck = {
      uscc: wrongUscc('91320104MA1Y00080'),
      fixed: validUscc('91320104MA1Y00080'),
      name: '南京导入测试乙科技有限公司',
      industry: 'C3670',
    };
    const badIndustry = {
      uscc: validUscc('91320104MA1Y00090'),
      name: '南京导入测试丙科技有限公司',
      industry: 'C9999',
      fixed: 'C3670',
    };
    const header = '统一社会信用代码,企业名称,行业代码';
    const line = (uscc, name, industry) => `${uscc},${name},${industry}`;

    const badFile = path.join(dir, '企业导入-有错误.csv');
    await writeFile(
      badFile,
      [
        header,
        line(good.uscc, good.name, good.industry), // row 2
        line(badCheck.uscc, badCheck.name, badCheck.industry), // row 3
        line(badIndustry.uscc, badIndustry.name, badIndustry.industry), // row 4
      ].join('\r\n') + '\r\n',
    );
    const fixedFile = path.join(dir, '企业导入-已更正.csv');
    await writeFile(
      fixedFile,
      [
        header,
        line(good.uscc, good.name, good.industry),
        line(badCheck.fixed, badCheck.name, badCheck.industry),
        line(badIndustry.uscc, badIndustry.name, badIndustry.fixed),
      ].join('\r\n') + '\r\n',
    );

    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto('/enterprises');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/enterprises/import'),
        page.locator('main').getByRole('link', { name: '批量导入', exact: true }).click(),
      ]);
      assert.equal((await pageFacts(page)).h1, '批量导入');

      // The CSV template.
      const template = await download(page, page.locator('#template-csv'));
      assert.match(template.name, /\.csv$/, `template file name: ${template.name}`);
      const templateRows = parseCsv(template.text);
      // Required columns are marked with a leading *.
      const headers = templateRows[0].map((h) => h.trim());
      for (const h of ['统一社会信用代码', '企业名称', '行业代码']) {
        assert.ok(headers.includes(`*${h}`), `template header has *${h}: ${headers}`);
      }
      assert.equal(headers[0], '*统一社会信用代码');

      // A file with two bad rows: one inserted, two refused.
      const job1 = await uploadEnterprises(page, badFile);
      const first = await waitForJob(page, job1);
      assert.deepEqual(first, { rows: 3, inserted: 1, updated: 0, unchanged: 0, failed: 2 });
      assert.equal(await page.locator('#error-report').count(), 1, 'an error report is offered');
      const report = await download(page, page.locator('#error-report'));
      assert.match(report.name, /\.csv$/, `report file name: ${report.name}`);
      const reportRows = parseCsv(report.text);
      assert.deepEqual(reportRows[0], ['行号', '列', '原因']);
      const errors = reportRows.slice(1);
      assert.equal(errors.length, 2, `two errors:\n${report.text}`);
      const checkError = errors.find((r) => r[2].includes('校验位'));
      assert.ok(checkError, `a 校验位 error:\n${report.text}`);
      assert.equal(checkError[0], '3', 'the check-character error is on row 3');
      assert.equal(checkError[1], '统一社会信用代码');
      assert.match(checkError[2], new RegExp(`应为${usccCheckChar('91320104MA1Y00080')}`));
      const industryError = errors.find((r) => r[1] === '行业代码');
      assert.ok(industryError, `a 行业代码 error:\n${report.text}`);
      assert.equal(industryError[0], '4', 'the industry error is on row 4');
      // C9999: there is no 大类 99 in GB/T 4754-2017.
      assert.match(industryError[2], /99/);

      // The corrected file: the two fixed rows are new, the good one is unchanged.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/enterprises/import'),
        page.getByRole('link', { name: '继续导入', exact: true }).click(),
      ]);
      const job2 = await uploadEnterprises(page, fixedFile);
      assert.notEqual(job2, job1, 'a new job');
      const second = await waitForJob(page, job2);
      assert.deepEqual(second, { rows: 3, inserted: 2, updated: 0, unchanged: 1, failed: 0 });
      assert.equal(await page.locator('#error-report').count(), 0, 'no error report without errors');

      // Both jobs are listed on the import page.
      await page.goto('/enterprises/import');
      const jobs = await page
        .locator('#import-list tbody a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(jobs.includes(job1) && jobs.includes(job2), `both jobs listed: ${jobs}`);

      // The list filtered by name shows the new enterprises.
      for (const e of [
        { name: good.name, uscc: good.uscc },
        { name: badCheck.name, uscc: badCheck.fixed },
        { name: badIndustry.name, uscc: badIndustry.uscc },
      ]) {
        await page.goto('/enterprises');
        await page.locator('#name').fill(e.name);
        const res = await clickAndLoad(page, page.locator('form[role="search"] button[type="submit"]'));
        assert.equal(res.status, 200, JSON.stringify(res));
        assert.equal(new URL(page.url()).searchParams.get('name'), e.name);
        assert.deepEqual(await columnTexts(page, '#enterprise-list', 1), [e.name]);
        assert.deepEqual(await columnTexts(page, '#enterprise-list', 0), [e.uscc]);
        assert.deepEqual(await columnTexts(page, '#enterprise-list', 2), ['320104']);
        assert.deepEqual(await columnTexts(page, '#enterprise-list', 3), ['C3670']);
      }
    });
  });
});

describe('digital-level assessment', () => {
  test('the enterprise answers the questionnaire and gets its report', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      const own = page.locator('a.tile', { has: page.locator('.label', { hasText: '本企业' }) });
      assert.equal(await own.count(), 1, 'home has the 本企业 tile');
      const filePath = await own.getAttribute('href');
      await Promise.all([page.waitForURL((u) => u.pathname === filePath), own.click()]);
      assert.match(filePath, /^\/enterprises\/\d+$/);

      // The file's assessments section leads to the list.
      const listPath = `${filePath}/assessments`;
      await Promise.all([
        page.waitForURL((u) => u.pathname === listPath),
        page.locator('#assessments-link').click(),
      ]);
      assert.equal((await pageFacts(page)).h1, '数字化水平评测');
      const kinds = (await page.locator('#kind option').allTextContents()).map((s) => s.trim());
      assert.deepEqual(kinds, ['企业自评'], 'an enterprise assesses itself only');
      assert.match(
        await text(page.locator('#instrument_id option:checked')),
        /制造业/,
        'the manufacturing instrument is proposed for a manufacturer',
      );

      const started = await clickAndLoad(page, page.getByRole('button', { name: '开始评测', exact: true }));
      assert.equal(started.status, 200, JSON.stringify(started));
      const m = started.path.match(/^\/assessments\/(\d+)$/);
      assert.ok(m, `the questionnaire opens: ${JSON.stringify(started)}`);
      assert.equal(started.search, '?step=1');
      const id = m[1];
      const qPath = `/assessments/${id}`;
      const steps = await stepNames(page);
      assert.ok(steps.length >= 2, `several steps: ${steps}`);
      assert.equal(await text(page.locator('#questionnaire h2')), `1. ${steps[0]}`);
      assert.equal(await page.locator('#pledge').count(), 0, 'no pledge before the last step');

      // Step 1, saved as a draft.
      await answerStep(page);
      const step1 = await answersOnPage(page);
      assert.ok(Object.keys(step1).length > 0, 'step 1 has questions');
      const saved = await clickAndLoad(page, page.locator('#save-draft'));
      assert.equal(saved.status, 200, JSON.stringify(saved));
      assert.equal(saved.path, qPath);
      assert.equal(saved.search, '?step=1&saved=1');
      assert.equal(await text(page.locator('main .alert.ok')), '草稿已保存。');
      assert.deepEqual(await answersOnPage(page), step1, 'the saved page shows the answers');
      for (const out of await page.locator('output.ratio-out').all()) {
        assert.equal(await text(out), '80.0%', 'the server computes the saved ratio');
      }

      // Back to the list: the draft is there and keeps its answers.
      await Promise.all([
        page.waitForURL((u) => u.pathname === listPath),
        page.locator('main p.actions a', { hasText: '数字化水平评测' }).click(),
      ]);
      const draftRow = page.locator('#assessment-list tbody tr', {
        has: page.locator('td:first-child', { hasText: new RegExp(`^${id}$`) }),
      });
      assert.equal(await draftRow.count(), 1, 'the draft is listed');
      assert.equal(await text(draftRow.locator('td').nth(3)), '草稿');
      assert.equal(await text(draftRow.locator('td').nth(6)), 'demo-enterprise');
      await Promise.all([
        page.waitForURL((u) => u.pathname === qPath),
        draftRow.getByRole('link', { name: '继续填写', exact: true }).click(),
      ]);
      assert.equal(await text(page.locator('#questionnaire h2')), `1. ${steps[0]}`);
      assert.deepEqual(await answersOnPage(page), step1, 'the reopened draft keeps its answers');

      // The remaining steps, one after the other.
      for (let n = 1; n <= steps.length; n++) {
        assert.equal(await text(page.locator('#questionnaire h2')), `${n}. ${steps[n - 1]}`);
        assert.equal(await text(page.locator('ol.steps [aria-current="step"]')), `${n}. ${steps[n - 1]}`);
        if (n > 1) await answerStep(page);
        assert.ok(Object.keys(await answersOnPage(page)).length > 0, `step ${n} has questions`);
        if (n === steps.length) break;
        const next = await clickAndLoad(page, page.locator('#next-step'));
        assert.equal(next.status, 200, JSON.stringify(next));
        assert.equal(next.path, qPath);
        assert.equal(next.search, `?step=${n + 1}`);
        assert.equal(await page.locator('#form-error').count(), 0, `no error after step ${n}`);
      }

      // The last step: no 下一步, a pledge and a submit button.
      assert.equal(await page.locator('#next-step').count(), 0);
      const lastAnswers = await answersOnPage(page);
      assert.equal(await page.locator('#pledge').isChecked(), false);
      const refused = await clickAndLoad(page, page.locator('#submit-assessment'));
      assert.equal(refused.status, 422, JSON.stringify(refused));
      assert.match(await text(page.locator('#form-error')), /请先签署真实性承诺再提交/);
      assert.deepEqual(await answersOnPage(page), lastAnswers, 'the refused page keeps the answers');

      await page.locator('#pledge').check();
      const submitted = await clickAndLoad(page, page.locator('#submit-assessment'));
      assert.equal(submitted.status, 200, JSON.stringify(submitted));
      assert.equal(submitted.path, `${qPath}/report`);

      // The report.
      assert.equal(await page.locator('#not-submitted').count(), 0);
      const level = await text(page.locator('dd#level'));
      assert.match(level, /^[一二三四]级$/, `a level: ${level}`);
      const [got, max] = (await text(page.locator('dd#total'))).split('/').map((s) => Number(s.trim()));
      // Every answer was the best one: full marks and the top level.
      assert.equal(got, max, `full marks: ${got} / ${max}`);
      assert.equal(level, '四级');
      assert.match(await text(page.locator('dd#pledge-by')), /demo-enterprise/);
      const chart = page.locator('svg#dimension-chart');
      assert.equal(await chart.count(), 1, 'the dimension chart');
      assert.ok(await chart.isVisible(), 'the chart is shown');
      const bars = await page.locator('#dimension-table tbody tr').count();
      assert.ok(bars >= 1, 'dimensions are listed');
      assert.equal(await chart.locator('rect').count(), 2 * bars, 'one track and one bar per dimension');
      const trace = (await page.locator('ol#trace li').allTextContents()).map((s) => s.trim());
      assert.ok(trace.length >= 1, 'the level trace');
      assert.ok(
        trace.some((line) => line.includes(level)),
        `the trace names the level ${level}:\n${trace.join('\n')}`,
      );
      assert.match(trace[0], /^达到四级/, 'the trace starts with the level reached');
      assert.ok((await page.locator('#scene-table tbody tr').count()) > 0, 'the scene levels');
      assert.equal(await page.locator('table#improvements').count(), 0, 'nothing left to improve');
      console.log(`assessment ${id}: ${level}, ${got} / ${max}\n  ${trace.join('\n  ')}`);
      await screenshot(page, 'assessment-report');

      // The list now shows it as submitted, with its level.
      await Promise.all([
        page.waitForURL((u) => u.pathname === listPath),
        page.locator('main p.actions a', { hasText: '数字化水平评测' }).click(),
      ]);
      assert.equal(await text(draftRow.locator('td').nth(3)), '已提交');
      assert.equal(await text(draftRow.locator('td').nth(5)), level);
      assert.equal(
        await draftRow.getByRole('link', { name: '评测报告', exact: true }).getAttribute('href'),
        `${qPath}/report`,
      );
    });
  });
});
