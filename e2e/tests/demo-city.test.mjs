// The demo city as `dengta serve --demo` starts it (its default size): a city's worth of
// enterprises on the dashboard and the front page; the city officer's workbench full of the
// demo's pending items, each opening its action; a listed enterprise of the demo sees where it
// stands; and a paid subsidy stands on an accepted project whose every material is on file.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clickAndLoad, login, open, pathOf, useStack } from './helpers.mjs';

const env = useStack('demo-city', { demoEnterprises: 'default' });

const text = async (locator) => (await locator.textContent()).trim();
const number = (s) => Number(s.replace(/[^0-9.]/g, ''));

async function todoRows(page) {
  return page
    .locator('#todos tbody tr')
    .evaluateAll((rows) => rows.map((r) => [r.cells[0].textContent.trim(), r.querySelector('a').getAttribute('href')]));
}

describe('the demo city', () => {
  test('the front page and the dashboard show a city', async (t) => {
    await env.withPage(t, async (page) => {
      await open(page, '/');
      assert.ok(number(await text(page.locator('#fig-enterprises'))) >= 500, 'at least 500 enterprises');
      assert.ok(number(await text(page.locator('#fig-assessed'))) >= 250, 'most of them assessed');
      await login(page, 'demo-officer');
      await open(page, '/dashboard?region=320100');
      const tile = await text(page.locator('#headline [data-metric="enterprises"] .value'));
      assert.ok(number(tile) >= 500, `the city's enterprises on the dashboard: ${tile}`);
      const districts = await page.locator('#table-regions tbody tr').count();
      assert.ok(districts >= 8, `enterprises in ${districts} districts`);
    });
  });

  test("the officer's workbench lists the demo's pending work and each kind opens its action", async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const rows = await todoRows(page);
      const kinds = new Map(rows.map(([task, href]) => [task, href]));
      for (const kind of ['市级审核试点企业申请', '备案']) {
        assert.ok([...kinds.keys()].some((k) => k.includes(kind)), `a to-do of ${kind}: ${[...kinds.keys()]}`);
      }
      for (const [task, href] of kinds) {
        const r = await open(page, href);
        assert.equal(r.status, 200, `${task} → ${href}`);
        assert.equal(pathOf(page), new URL(href, env.baseURL).pathname);
      }
    });
  });

  test('a paid subsidy stands on an accepted project with every material on file', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const res = await page.request.get('/api/v1/subsidies?limit=200');
      assert.equal(res.status(), 200);
      const body = await res.json();
      const paid = (body.items ?? body).filter((s) => s.status === 'paid');
      assert.ok(paid.length >= 4, `paid subsidies: ${paid.length}`);
      const acceptance = await page.request.get(`/api/v1/projects/${paid[0].project_id}/acceptance`);
      const a = await acceptance.json();
      assert.equal(a.state, 'accepted');
      assert.equal(a.complete, true, 'the checklist is complete');
      assert.ok(a.checklist.every((i) => i.ok || !i.required), JSON.stringify(a.checklist));
      assert.ok(a.evaluation.results.every((r) => r.passed), 'every contract criterion passed');
      await open(page, `/subsidies/${paid[0].id}`);
      assert.match(await text(page.locator('main')), /已拨付/);
      assert.doesNotMatch(await text(page.locator('main')), /演示数据”|base is/);
    });
  });

  test('an enterprise of the demo that was paid sees its whole journey done', async (t) => {
    await env.withPage(t, async (page) => {
      // 南京秦淮智能装备有限公司 (91320104MA1X2Y4B86): its account is named after its code.
      await login(page, 'ent-MA1X2Y4B8');
      const steps = page.locator('#journey ol.journey li');
      assert.ok((await steps.count()) >= 6);
      assert.equal(await page.locator('#journey li.done').count(), await steps.count(), 'every step done');
      assert.match(await text(page.locator('#next-step')), /奖补已拨付/);
    });
  });
  test("the paid enterprise's connected machines show a month of KPIs on its file", async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'ent-MA1X2Y4B8');
      const mine = await (await page.request.get('/api/v1/enterprises')).json();
      const id = mine.items[0].id;
      await open(page, `/enterprises/${id}`);
      assert.equal((await page.locator('#device-count').textContent()).trim(), '2');
      assert.match(await text(page.locator('#device-list')), /CNC-01[\s\S]*INJ-01/);
      assert.equal(await page.locator('#devices figure svg').count(), 1, 'the daily OEE chart');
      const rows = await page.locator('#kpi-table tbody tr').count();
      assert.ok(rows >= 29 && rows <= 31, `a row a day for the last 30 days, got ${rows}`);
      // The table is the API's numbers: OEE climbs over the month as the transformation takes hold.
      const k = await (await page.request.get(`/api/v1/enterprises/${id}/kpis`)).json();
      const oee = k.points.filter((p) => p.kpis.oee_bp !== null).map((p) => p.kpis.oee_bp);
      assert.ok(oee.length >= 29 && oee[oee.length - 1] > oee[0] + 1000, JSON.stringify(oee));
      const last = oee[oee.length - 1];
      assert.match(await text(page.locator('#kpi-table')), new RegExp(`${Math.floor(last / 100)}\\.${String(last % 100).padStart(2, '0')}%`));
    });
  });
  // Chain and cluster projects (链式 / 面状). The demo's chain is approved: its first SME's award
  // is computed (split with the lead), the other two are accepted. The city computes theirs in the
  // browser, then the lead's share; the chain's page adds up to the fen.
  test("the city computes a chain's remaining awards and the lead's share, split to the fen", async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await open(page, '/dashboard?region=320100');
      await clickAndLoad(page, page.locator('#dash-chains'));
      assert.equal(pathOf(page), '/chains');
      const row = page.locator('#chain-list tbody tr', { hasText: '智能装备供应链链式数字化改造' });
      assert.equal(await text(row.locator('td[data-k="accepted"]')), '3', 'the three SMEs are accepted');
      const link = page.locator('#chain-list tbody a', { hasText: '智能装备供应链链式数字化改造' });
      const chainPath = await link.getAttribute('href');
      await clickAndLoad(page, link);
      assert.equal(pathOf(page), chainPath);
      assert.equal(await page.locator('#chain-status').getAttribute('data-status'), 'approved');
      const id = Number(chainPath.split('/').pop());
      const before = await (await page.request.get(`/api/v1/chains/${id}`)).json();
      assert.equal(before.lines.length, 3);
      const pending = before.lines.filter((l) => l.sme_fen === 0);
      assert.equal(pending.length, 2, 'two accepted SMEs wait for their award');
      for (const line of pending) {
        await open(page, `/projects/${line.project_id}`);
        assert.match(await text(page.locator('#project-chain')), /智能装备供应链/);
        const res = await clickAndLoad(page, page.locator('form#compute-subsidy button[type=submit]'));
        assert.match(res.path, /^\/subsidies\/\d+$/, JSON.stringify(res));
        const trace = await text(page.locator('#trace'));
        assert.match(trace, /链式项目牵引单位分成/, 'the trace explains the split');
      }
      await open(page, chainPath);
      await clickAndLoad(page, page.locator('#chain-lead-project'));
      const compute = page.locator('form#compute-subsidy button[type=submit]');
      assert.equal(await text(compute), '核算牵引单位分成');
      const res = await clickAndLoad(page, compute);
      assert.match(res.path, /^\/subsidies\/\d+$/, JSON.stringify(res));
      const after = await (await page.request.get(`/api/v1/chains/${id}`)).json();
      const subsidies = await (await page.request.get('/api/v1/subsidies?limit=200')).json();
      const rows = subsidies.items ?? subsidies;
      for (const line of after.lines) {
        const award = rows.find((s) => s.project_id === line.project_id && s.stage === 'after_acceptance');
        assert.ok(award, `line ${line.line_no} has its award`);
        assert.equal(line.sme_fen + line.lead_fen, award.award_fen, `line ${line.line_no}: SME + lead = the award`);
        assert.equal(line.lead_fen, Math.floor(award.award_fen / 10), `line ${line.line_no}: the lead's 10%, rounded down`);
      }
      const leadShare = after.lines.reduce((a, l) => a + l.lead_fen, 0);
      assert.equal(after.cohort.lead_share_fen, leadShare);
      assert.equal(after.cohort.lead_granted_fen, leadShare, 'the lead is granted exactly its shares');
      assert.equal(after.cohort.complete, true);
      await open(page, chainPath);
      const yuan = (fen) => (fen / 100).toFixed(2);
      const cell = async (k) => (await text(page.locator(`#chain-cohort td[data-k="${k}"]`))).replace(/[^0-9.]/g, '');
      assert.equal(await cell('lead_granted'), yuan(leadShare));
      assert.equal(await cell('sme_total'), yuan(after.cohort.sme_fen));
      assert.equal(await page.locator('#chain-lines tbody tr').count(), 3);
    });
  });

  test('a lead opens a chain in the browser, three SMEs join, the lead submits and the city approves', async (t) => {
    // Four listed enterprises of the demo in no chain yet (秦淮, whose journey is checked above, aside).
    const people = await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const engaged = new Set();
      const chains = (await (await page.request.get('/api/v1/chains')).json()).items;
      for (const c of chains) {
        engaged.add(c.lead_enterprise_id);
        const f = await (await page.request.get(`/api/v1/chains/${c.id}`)).json();
        for (const l of f.lines) engaged.add(l.enterprise_id);
      }
      const enrolments = (await (await page.request.get('/api/v1/enrolments?limit=200')).json()).items;
      const out = [];
      for (const e of enrolments.filter((x) => x.status === 'listed' && !engaged.has(x.enterprise_id))) {
        const ent = await (await page.request.get(`/api/v1/enterprises/${e.enterprise_id}`)).json();
        const uscc = ent.uscc ?? ent.enterprise?.uscc;
        if (!uscc || uscc === '91320104MA1X2Y4B86') continue;
        out.push({ user: `ent-${uscc.slice(8, 17)}`, name: e.enterprise_name });
        if (out.length === 4) break;
      }
      return out;
    });
    assert.equal(people.length, 4, JSON.stringify(people));
    const [lead, ...smes] = people;
    const NAME = '精密零部件产业集群面状改造';
    let chainPath = '';
    await env.withPage(t, async (page) => {
      await login(page, lead.user);
      await open(page, '/chains');
      const form = page.locator('form#chain-new');
      await form.locator('select[name=kind]').selectOption('cluster');
      await form.locator('input[name=name]').fill(NAME);
      await form.locator('input[name=target_members]').fill('3');
      // A cluster names its park: refused, nothing made.
      let res = await clickAndLoad(page, form.locator('button[type=submit]'));
      assert.equal(res.status, 422);
      assert.match(await text(page.locator('#form-error')), /园区/);
      await page.locator('form#chain-new input[name=name]').fill(NAME);
      await page.locator('form#chain-new select[name=kind]').selectOption('cluster');
      await page.locator('form#chain-new input[name=park]').fill('江宁智能制造产业园');
      res = await clickAndLoad(page, page.locator('form#chain-new button[type=submit]'));
      assert.match(res.path, /^\/chains\/\d+$/, JSON.stringify(res));
      chainPath = res.path;
      assert.equal(await page.locator('#chain-status').getAttribute('data-status'), 'forming');
      assert.match(await text(page.locator('#chain-facts')), /江宁智能制造产业园/);
      // Too few SMEs to submit yet: the page says how many are needed.
      res = await clickAndLoad(page, page.locator('form#chain-submit button[type=submit]'));
      assert.equal(res.status, 422);
      assert.match(await text(page.locator('#form-error')), /至少 3 家/);
    });
    for (const sme of smes) {
      await env.withPage(t, async (page) => {
        await login(page, sme.user);
        await open(page, '/chains');
        await clickAndLoad(page, page.locator('#chain-open tbody a', { hasText: NAME }));
        const res = await clickAndLoad(page, page.locator('form#chain-join button[type=submit]'));
        assert.equal(res.path, chainPath);
        assert.equal(await page.locator('#chain-lines tbody tr', { hasText: sme.name }).count(), 1);
        // Its own project opened with the chain's provider: the line links to it.
        const href = await page.locator('#chain-lines tbody tr', { hasText: sme.name }).locator('a').getAttribute('href');
        await open(page, href);
        assert.match(await text(page.locator('#project-chain')), new RegExp(NAME));
      });
    }
    await env.withPage(t, async (page) => {
      await login(page, lead.user);
      await open(page, chainPath);
      assert.equal(await page.locator('#chain-lines tbody tr').count(), 3);
      await clickAndLoad(page, page.locator('form#chain-submit button[type=submit]'));
      assert.equal(await page.locator('#chain-status').getAttribute('data-status'), 'applied');
    });
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await open(page, chainPath);
      await clickAndLoad(page, page.locator('form#chain-approve button[type=submit]'));
      assert.equal(await page.locator('#chain-status').getAttribute('data-status'), 'approved');
      const history = await text(page.locator('#chain-history'));
      assert.match(history, /approve/);
    });
  });
});
