// The dashboard (数据看板) through the browser: the city officer opens it from the side
// navigation, reads the headline figures and the charts (server-drawn SVG, role img) with their
// tables, drills down from 南京市 to 玄武区 (breadcrumb back to the city), follows a
// sub-industry to the enterprise list filtered to the district and opens one enterprise's file.
// Each tile's 导出 Excel link answers an .xlsx; the officer sets the city's 上云 target; the
// district officer cannot open the city (404) and an enterprise user gets 403.
//
// Demo data: 南京市 (320100) has five enterprises, two in 玄武区 (320102) of which
// 南京玄武精密机械有限公司 (C3484) falls in the sub-industry 智能制造装备 (C34, C35).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clickAndLoad, columnTexts, currentNav, login, navEntries, open, pageFacts, pathOf, useStack } from './helpers.mjs';

const env = useStack('dashboard');

const text = async (locator) => (await locator.textContent()).trim();
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CITY = { code: '320100', name: '南京市', enterprises: 5 };
const DISTRICT = { code: '320102', name: '玄武区', enterprises: 2 };
const ENTERPRISE = '南京玄武精密机械有限公司';
const XUANWU_ENTERPRISES = ['南京玄武精密机械有限公司', '玄武电子元器件有限公司'];

/** The value shown on the headline tile of `metric`. */
const tileValue = (page, metric) => text(page.locator(`#headline [data-metric="${metric}"] .value`));

/** Integer value of a table cell text ("80,000.00" → 80000). */
const num = (s) => Number(s.replace(/,/g, ''));

async function openDashboardFromNav(page) {
  const link = page.locator('nav.side a', { hasText: '数据看板' });
  const res = await clickAndLoad(page, link);
  assert.equal(res.status, 200);
  assert.equal(res.path, '/dashboard');
  assert.equal((await pageFacts(page)).h1, '数据看板');
  assert.deepEqual(
    await currentNav(page),
    ['数据看板'],
  );
}

describe('dashboard (数据看板)', () => {
  test('the city officer drills down from 南京市 to one enterprise', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const nav = await navEntries(page);
      assert.equal(nav[0], '首页');
      assert.equal(nav[1], '数据看板', `数据看板 comes right after 首页: ${nav}`);
      await openDashboardFromNav(page);

      // The city's figures.
      assert.equal(await text(page.locator('#dash-region-name')), CITY.name);
      assert.equal(await page.locator('#dash-parent').count(), 0, 'the officer’s own region has no parent link');
      assert.equal(num(await tileValue(page, 'enterprises')), CITY.enterprises);
      for (const metric of ['assessed', 'level_ge2', 'share_l2_above_scale', 'cloud', 'filed', 'accepted', 'committed', 'disbursed', 'accept_to_pay_days']) {
        assert.notEqual(await tileValue(page, metric), '', `headline ${metric} has a value`);
      }
      assert.match(await text(page.locator('#headline [data-metric="share_l2_above_scale"] .note')), /目标 90%/);
      assert.match(await tileValue(page, 'committed'), /^¥[\d,]+\.\d\d$/);

      // Charts with role img, each with its table of the same numbers.
      const charts = page.locator('.dash-section svg[role="img"]');
      assert.equal(await charts.count(), 5, 'charts on the city dashboard');
      for (const id of ['regions', 'levels', 'months', 'money', 'provider_stars']) {
        const section = page.locator(`#tile-${id}`);
        assert.equal(await section.locator('svg[role="img"]').count(), 1, `${id}: one chart`);
        assert.ok((await section.locator('svg title').first().textContent()).trim().length > 0, `${id}: chart is named`);
        assert.ok((await section.locator(`#table-${id} tbody tr`).count()) > 0, `${id}: table rows`);
      }
      // The child regions' enterprises add up to the city's.
      const perRegion = (await columnTexts(page, '#table-regions', 2)).map(num);
      assert.equal(perRegion.reduce((a, b) => a + b, 0), CITY.enterprises);
      const regionNames = await columnTexts(page, '#table-regions', 1);
      assert.ok(regionNames.includes(DISTRICT.name), `regions: ${regionNames}`);
      assert.match(await page.locator('#tile-regions svg').innerHTML(), new RegExp(DISTRICT.name));
      // No demo enterprise is 规上, so no sub-industry has a share against the 90% target: the
      // section says so instead of drawing bars of 0%, and still lists the sub-industries.
      assert.equal(await page.locator('#tile-sub_industries svg').count(), 0);
      assert.match(await text(page.locator('#tile-sub_industries .no-chart')), /暂无规上企业/);
      assert.ok((await page.locator('#table-sub_industries tbody tr').count()) >= 3);
      // The monthly table has twelve months and four series.
      assert.equal(await page.locator('#table-months tbody tr').count(), 12);
      assert.equal(await page.locator('#table-months thead th').count(), 5);

      // Drill down to 玄武区.
      let res = await clickAndLoad(page, page.locator('#table-regions tbody a', { hasText: DISTRICT.name }));
      assert.equal(res.status, 200);
      assert.equal(res.path, '/dashboard');
      assert.equal(new URLSearchParams(res.search).get('region'), DISTRICT.code);
      assert.equal(await text(page.locator('#dash-region-name')), DISTRICT.name);
      assert.equal(num(await tileValue(page, 'enterprises')), DISTRICT.enterprises);
      assert.equal(await page.locator('#dash-parent').getAttribute('href'), `/dashboard?region=${CITY.code}`);
      const crumbs = page.locator('nav.crumbs a');
      const crumb = crumbs.filter({ hasText: CITY.name });
      assert.equal(await crumb.getAttribute('href'), `/dashboard?region=${CITY.code}`);
      assert.equal(await text(page.locator('nav.crumbs li[aria-current="page"]')), DISTRICT.name);
      // A district without regions below says so instead of drawing an empty chart.
      assert.equal(await page.locator('#tile-regions svg').count(), 0);
      assert.match(await text(page.locator('#tile-regions .empty')), /暂无/);
      // The officer of the city sets targets for the city only.
      assert.equal(await page.locator('#cloud-target-form').count(), 0);

      // Breadcrumb back to the city and down again.
      res = await clickAndLoad(page, crumb);
      assert.equal(new URLSearchParams(res.search).get('region'), CITY.code);
      assert.equal(await text(page.locator('#dash-region-name')), CITY.name);
      await clickAndLoad(page, page.locator('#table-regions tbody a', { hasText: DISTRICT.name }));

      // The enterprises tile opens the district's enterprise list.
      res = await clickAndLoad(page, page.locator('#headline [data-metric="enterprises"] a.value'));
      assert.equal(res.path, '/enterprises');
      assert.equal(new URLSearchParams(res.search).get('region'), DISTRICT.code);
      assert.deepEqual((await columnTexts(page, '#enterprise-list', 1)).length, DISTRICT.enterprises);
      await page.goBack();
      await page.waitForLoadState('load');

      // A sub-industry opens the list filtered to the district and the sub-industry's code.
      res = await clickAndLoad(page, page.locator('#table-sub_industries tbody a', { hasText: '智能制造装备' }));
      assert.equal(res.status, 200);
      assert.equal(res.path, '/enterprises');
      const q = new URLSearchParams(res.search);
      assert.equal(q.get('region'), DISTRICT.code);
      assert.equal(q.get('industry'), 'C34');
      const names = await page.locator('#enterprise-list tbody a').allTextContents();
      assert.deepEqual(names.map((s) => s.trim()).filter((s) => XUANWU_ENTERPRISES.includes(s)), [ENTERPRISE]);

      // And one enterprise's file.
      res = await clickAndLoad(page, page.locator('#enterprise-list tbody a', { hasText: ENTERPRISE }));
      assert.equal(res.status, 200);
      assert.match(res.path, /^\/enterprises\/\d+$/);
      assert.equal((await pageFacts(page)).h1, ENTERPRISE);
    });
  });

  test('every 导出 Excel link answers an .xlsx workbook', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto('/dashboard');
      const links = await page
        .locator('a.dash-export')
        .evaluateAll((as) => as.map((a) => [a.closest('section').dataset.tile, a.getAttribute('href')]));
      assert.deepEqual(links.map((l) => l[0]), ['regions', 'sub_industries', 'levels', 'months', 'money']);
      for (const [tile, href] of links) {
        assert.equal(href, `/dashboard/export?tile=${tile}&region=${CITY.code}`);
        const r = await page.evaluate(async (u) => {
          const res = await fetch(u);
          const bytes = new Uint8Array(await res.arrayBuffer());
          return {
            status: res.status,
            type: res.headers.get('content-type'),
            disposition: res.headers.get('content-disposition'),
            magic: String.fromCharCode(bytes[0], bytes[1]),
            size: bytes.length,
          };
        }, href);
        assert.equal(r.status, 200, `${tile} export status`);
        assert.equal(r.type, XLSX, `${tile} export type`);
        assert.match(r.disposition, new RegExp(`dashboard-${CITY.code}-${tile}\\.xlsx`));
        assert.equal(r.magic, 'PK', `${tile}: a zip (xlsx) body`);
        assert.ok(r.size > 100);
      }
      // An unknown tile is a malformed request.
      const bad = await page.evaluate(async () => (await fetch('/dashboard/export?tile=nope')).status);
      assert.equal(bad, 400);
    });
  });

  test('the officer sets the city’s 上云 target; the page is printable and in English', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto('/dashboard');
      await page.locator('#cloud-target').fill('3');
      const res = await clickAndLoad(page, page.locator('#cloud-target-form button[type="submit"]'));
      assert.equal(res.status, 200);
      assert.equal(res.path, '/dashboard');
      assert.equal(await text(page.locator('.alert.ok')), '目标已保存。');
      assert.equal(await text(page.locator('#headline [data-metric="cloud"] .note')), '目标 3');
      assert.equal(await page.locator('#cloud-target').inputValue(), '3');

      // Printed: no navigation, no forms, the charts and tables stay.
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('nav.side').isVisible(), false);
      assert.equal(await page.locator('#cloud-target-form').isVisible(), false);
      assert.equal(await page.locator('#tile-regions svg').isVisible(), true);
      assert.equal(await page.locator('#table-regions').isVisible(), true);
      await page.emulateMedia({ media: 'screen' });

      // English.
      await clickAndLoad(page, page.locator('header a.lang'));
      await page.goto('/dashboard');
      assert.equal((await pageFacts(page)).h1, 'Dashboard');
      assert.equal(await text(page.locator('#h-regions')), 'Regions below');
      assert.equal(await text(page.locator('#table-levels thead th').first()), 'Level');
      assert.equal(await text(page.locator('a.dash-export').first()), 'Export to Excel');
    });
  });

  test('the district officer sees its district only; the city is 404', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-district');
      await openDashboardFromNav(page);
      assert.equal(await text(page.locator('#dash-region-name')), DISTRICT.name);
      assert.equal(await page.locator('#dash-parent').count(), 0, 'the city is outside the district’s scope');
      assert.equal(await page.locator('nav.crumbs a', { hasText: CITY.name }).count(), 0);
      const res = await open(page, `/dashboard?region=${CITY.code}`);
      assert.equal(res.status, 404);
      assert.equal((await pageFacts(page)).h1, '出错了');
      const xlsx = await open(page, `/dashboard/export?tile=regions&region=${CITY.code}`);
      assert.equal(xlsx.status, 404);
    });
  });

  test('the officer opens the city’s performance evaluation from the dashboard and prints it', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await openDashboardFromNav(page);
      const res = await clickAndLoad(page, page.locator('#dash-evaluation'));
      assert.equal(res.status, 200);
      assert.equal(res.path, '/dashboard/evaluation');
      assert.equal((await pageFacts(page)).h1, '城市试点绩效评价');
      assert.match(await text(page.locator('#h-evaluation')), new RegExp(CITY.name));
      // Every indicator of the set has its row; the figures match the API's for the same region.
      const api = await page.evaluate(async (code) => (await fetch(`/api/v1/dashboard/evaluation?region=${code}`)).json(), CITY.code);
      for (const f of api.evaluation.findings) {
        const row = page.locator(`#findings tr[data-indicator="${f.id}"]`);
        assert.equal(await row.count(), 1, `${f.id} has a row`);
        assert.equal(await text(row.locator('td').nth(2)), f.basis, `${f.id}: counts`);
        assert.equal(await row.getAttribute('data-met'), f.met === null ? 'unknown' : String(f.met), `${f.id}: result`);
      }
      assert.equal(await text(page.locator('#score strong')), String(api.evaluation.score));
      // The city's pilot sub-industries under the 规上 indicator.
      assert.ok((await page.locator('#findings tr.sub').count()) >= 3, 'the sub-industries are listed');
      // Printable: navigation hidden, the table kept.
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('nav.side').isVisible(), false);
      assert.equal(await page.locator('#findings').isVisible(), true);
      await page.emulateMedia({ media: 'screen' });
    });
  });

  test('the audit administrator reads the dashboard without forms or enterprise links', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-auditadmin');
      await openDashboardFromNav(page);
      assert.equal(await text(page.locator('#dash-region-name')), CITY.name);
      assert.equal(await page.locator('#cloud-target-form').count(), 0);
      assert.equal(await page.locator('#headline [data-metric="enterprises"] a').count(), 0);
      assert.equal(await page.locator('#table-sub_industries tbody a').count(), 0);
      assert.ok((await page.locator('#table-regions tbody a').count()) > 0, 'regions still drill down');
    });
  });

  test('an enterprise user gets 403 and no navigation entry', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      assert.ok(!(await navEntries(page)).includes('数据看板'));
      assert.equal((await open(page, '/dashboard/export?tile=regions')).status, 403);
      const res = await open(page, '/dashboard');
      assert.equal(res.status, 403);
      assert.equal((await pageFacts(page)).h1, '出错了');
      assert.equal(await text(page.locator('main .alert.error')), '您没有权限访问此页面');
      assert.equal(pathOf(page), '/dashboard');
    });
  });
});
