// Outcomes on the seven axes and on-site acceptance rounds through the browser, on the demo city.
//
// The provider 金陵工业互联网 records an outcome line on one of its projects under delivery (产品不良率,
// baseline and result, with an evidence file) from the project page and sees the improvement
// computed the right way round (lower is better); the city officer finds it in the outcomes
// summary. The officer then plans an on-site acceptance round, adds an acceptance waiting for its
// on-site check, assigns an assessor, and is refused — with the conflict named on the page — when
// assigning an assessor who declared a conflict with that acceptance's provider.
//
// The steps build on each other, so they run in order and a failed step skips the rest.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'playwright-core';
import { login, open, useStack } from './helpers.mjs';

const env = useStack('outcomes-rounds', {
  // Enough of the demo city for acceptances waiting for their on-site check.
  demoEnterprises: 'default',
  env: { DENGTA_SECURITY__TOTP_ROLES: 'sysadmin,secadmin,auditadmin' },
});

/** A signed-in API client (session cookie and CSRF header, as the browser's forms use). */
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
  return { get: (url) => call('GET', url), post: (url, body) => call('POST', url, body ?? {}), dispose: () => ctx.dispose() };
}

const state = { projectId: 0, roundId: 0, providerName: '' };

describe('outcomes and on-site rounds', { concurrency: false }, () => {
  let failed = false;
  const step = (name, fn) =>
    test(name, async (t) => {
      if (failed) return t.skip('an earlier step failed');
      try {
        await fn(t);
      } catch (e) {
        failed = true;
        throw e;
      }
    });

  step('the provider records an outcome with evidence on a project under delivery', async (t) => {
    const api = await apiAs('demo-provider');
    try {
      let after = '';
      for (let pages = 0; pages < 20 && !state.projectId; pages++) {
        const list = await api.get(`/api/v1/projects?limit=100${after ? `&after=${after}` : ''}`);
        assert.equal(list.status, 200);
        for (const p of list.json.items.filter((x) => x.status === 'in_progress' || x.status === 'completed')) {
          const o = await api.get(`/api/v1/projects/${p.id}/outcomes`);
          if (o.status === 200 && o.json.window.baseline && o.json.window.result) {
            state.projectId = p.id;
            break;
          }
        }
        if (!list.json.next_after) break;
        after = list.json.next_after;
      }
    } finally {
      await api.dispose();
    }
    assert.ok(state.projectId, 'a project of 金陵 under delivery, not yet applied for acceptance');

    await env.withPage(t, async (page) => {
      await login(page, 'demo-provider');
      await open(page, `/projects/${state.projectId}`);
      const form = page.locator('#outcome-form');
      await form.locator('#oaxis').selectOption('quality');
      await form.locator('#oind').fill('产品不良率');
      await form.locator('#obase').fill('5.0');
      await form.locator('#obased').fill('2025-03-01');
      await form.locator('#ores').fill('3.0');
      await form.locator('#oresd').fill('2025-09-30');
      await form.locator('#onote').fill('改造前后各取三个月平均');
      await form.locator('#ofile').setInputFiles({
        name: '质检月报.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from(`%PDF-1.4\n% outcome evidence ${Date.now()}\n%%EOF\n`, 'latin1'),
      });
      await Promise.all([page.waitForURL((u) => u.searchParams.get('msg') === 'common.done'), form.locator('button[type=submit]').click()]);
      const row = page.locator('#outcome-lines tr[data-axis="quality"]').last();
      await assert.doesNotReject(row.waitFor());
      // 5 → 3 where lower is better: a 40% improvement, the evidence listed beside it.
      assert.equal((await row.locator('.outcome-improvement').textContent()).trim(), '40.00%');
      assert.match(await row.textContent(), /质检月报\.pdf/);
    });
  });

  step('the city officer sees it in the outcomes summary', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await open(page, '/outcomes');
      const cell = page.locator('#outcome-cells tr[data-axis="quality"][data-indicator="产品不良率"]');
      await cell.first().waitFor();
      const projects = Number((await cell.first().locator('td').nth(3).textContent()).trim());
      assert.ok(projects >= 1, `projects reporting: ${projects}`);
      assert.ok(Number(await page.locator('#outcomes-total').getAttribute('data-projects')) >= 1);
    });
  });

  step('the officer plans a round, adds an acceptance and assigns an assessor', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await open(page, '/rounds');
      const form = page.locator('#round-form');
      await form.locator('#rdate').fill('2026-03-18');
      await form.locator('#rplace').fill('玄武区政务服务中心三楼会议室');
      await form.locator('#rnote').fill('第一批现场验收（端到端）');
      await Promise.all([page.waitForURL((u) => /^\/rounds\/\d+$/.test(u.pathname)), form.locator('button[type=submit]').click()]);
      state.roundId = Number(new URL(page.url()).pathname.split('/').pop());
      assert.equal(await page.locator('#round').getAttribute('data-state'), 'planned');

      const waiting = page.locator('#racc option');
      assert.ok((await waiting.count()) > 0, 'the demo city has acceptances verified by their district');
      await Promise.all([page.waitForURL((u) => u.searchParams.get('msg') === 'common.done'), page.locator('#round-add-acceptance button').click()]);
      assert.equal(await page.locator('#round-acceptances tbody tr').count(), 1);
      state.providerName = (await page.locator('#round-acceptances tbody tr td').nth(2).textContent()).trim();

      await Promise.all([page.waitForURL((u) => u.searchParams.get('msg') === 'common.done'), page.locator('#round-assign button').click()]);
      assert.equal(await page.locator('#round-assessors tbody tr').count(), 1);
    });
  });

  step('an assessor with a declared conflict is refused, the conflict named', async (t) => {
    const officer = await apiAs('demo-officer');
    let conflicted = null;
    try {
      const sheet = await officer.get(`/api/v1/rounds/${state.roundId}`);
      assert.equal(sheet.status, 200);
      const providerId = sheet.json.acceptances[0].provider_id;
      const onRound = new Set(sheet.json.assessors.map((a) => a.user_id));
      // The second demo expert declares a conflict with that provider.
      for (const name of ['demo-expert2', 'demo-expert3', 'demo-expert']) {
        const expert = await apiAs(name);
        try {
          const me = await expert.get('/api/v1/me');
          const id = me.json.user_id;
          if (onRound.has(id)) continue;
          const d = await expert.post('/api/v1/rounds/conflicts', { provider_id: providerId, note: '曾为该服务商提供咨询（端到端）' });
          assert.equal(d.status, 201, JSON.stringify(d.json));
          conflicted = { name, id };
          break;
        } finally {
          await expert.dispose();
        }
      }
    } finally {
      await officer.dispose();
    }
    assert.ok(conflicted, 'an expert not yet on the round');

    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await open(page, `/rounds/${state.roundId}`);
      await page.locator('#rassessor').selectOption(String(conflicted.id));
      await page.locator('#round-assign button').click();
      const error = page.locator('#form-error');
      await error.waitFor();
      const message = (await error.textContent()).trim();
      assert.match(message, /利益冲突/);
      assert.ok(message.includes(state.providerName), `the conflict names the provider: ${message}`);
      assert.equal(await page.locator('#round-assessors tbody tr').count(), 1, 'nobody was added');
    });
  });
});
