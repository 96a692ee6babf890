// The demo city as `dengta serve --demo` starts it (its default size): a city's worth of
// enterprises on the dashboard and the front page; the city officer's workbench full of the
// demo's pending items, each opening its action; a listed enterprise of the demo sees where it
// stands; and a paid subsidy stands on an accepted project whose every material is on file.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { login, open, pathOf, useStack } from './helpers.mjs';

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
});
