// The 小快轻准 solution catalogue through the browser: an enterprise reads the
// recommendations for its weak scenes (with reasons, within a budget), searches
// the catalogue, asks a provider to contact it and gives and revokes consent to
// share its phone number; a provider publishes a new solution that an officer
// approves before enterprises can find it.
//
// Demo facts used: demo-enterprise is 南京玄武精密机械有限公司 (C3484, phone
// 13912345678) with a submitted self-assessment that leaves 设备管理 未开展;
// demo-provider is 金陵工业互联网服务有限公司, which offers 产品设计与工艺协同平台
// (¥180,000) and 能耗监测与碳管理 (¥35,000); 江宁云智 offers the other two.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clickAndLoad, login, pageFacts, pathOf, tableLinks, useStack } from './helpers.mjs';

const env = useStack('matching');

const text = async (locator) => (await locator.textContent()).trim();

const ENTERPRISE = '南京玄武精密机械有限公司';
const ENTERPRISE_PHONE = '13912345678';
const JINLING = '金陵工业互联网服务有限公司';
const DEMO_SOLUTIONS = {
  '轻量化设备管理系统（云版）': 27_500,
  '智能排产与生产报工': 32_000,
  '产品设计与工艺协同平台': 180_000,
  '能耗监测与碳管理': 35_000,
};

/** Follows a side-navigation entry and waits for its page. */
async function navigate(page, label, path) {
  const res = await clickAndLoad(page, page.locator('nav.side a', { hasText: label }));
  assert.equal(res.status, 200, `${label}: ${JSON.stringify(res)}`);
  assert.equal(res.path, path);
  assert.equal((await pageFacts(page)).h1, label);
}

/** The recommendations on /my/matches, in order: { name, href, price, score, reasons }. */
async function recommendations(page) {
  const items = page.locator('#match-list li.match');
  const out = [];
  for (let i = 0; i < (await items.count()); i++) {
    const item = items.nth(i);
    const link = item.locator('h3 a');
    const heading = await text(item.locator('h3'));
    const price = heading.match(/¥([\d,]+(?:\.\d+)?)/);
    const score = heading.match(/匹配分\s*(\d+)/);
    out.push({
      name: await text(link),
      href: await link.getAttribute('href'),
      price: price ? Number(price[1].replace(/,/g, '')) : NaN,
      score: score ? Number(score[1]) : NaN,
      reasons: (await item.locator('ul.reasons li').allTextContents()).map((s) => s.trim()),
    });
  }
  return out;
}

/** Searches the catalogue from its form; returns the names found (empty when #no-results). */
async function search(page, q) {
  if (pathOf(page) !== '/solutions') await page.goto('/solutions');
  await page.locator('#q').fill(q);
  const res = await clickAndLoad(page, page.locator('form[role=search]').getByRole('button', { name: '筛选' }));
  assert.equal(res.status, 200, JSON.stringify(res));
  assert.equal(new URL(page.url()).searchParams.get('q'), q);
  if (await page.locator('#no-results').count()) {
    assert.equal(await page.locator('#solution-list').count(), 0);
    return [];
  }
  return (await tableLinks(page, '#solution-list')).map(([name]) => name);
}

/** Accepts the next confirm() of the page; resolves to its message. */
function acceptNextDialog(page) {
  return new Promise((resolve) => {
    page.once('dialog', async (d) => {
      const message = d.message();
      await d.accept();
      resolve(message);
    });
  });
}

/** The row of a contact request on /contacts, found by the other party's name. */
const contactRow = (page, name) => page.locator('#contact-list tbody tr', { hasText: name });

describe('recommendations for an enterprise', () => {
  test('the enterprise reads explained recommendations and narrows them to its budget', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await navigate(page, '推荐解决方案', '/my/matches');
      const recs = await recommendations(page);
      const names = recs.map((r) => r.name);
      for (const name of Object.keys(DEMO_SOLUTIONS)) {
        assert.ok(names.includes(name), `${name} recommended: ${names.join(', ')}`);
      }
      for (const r of recs) {
        assert.match(r.href, /^\/solutions\/\d+$/, `${r.name} links its solution`);
        assert.ok(r.reasons.length > 0, `${r.name} has reasons`);
        assert.ok(r.reasons.every((why) => /\p{Script=Han}/u.test(why)), `${r.name}: reasons in Chinese`);
        // Every recommendation is there because it lifts a weak scene.
        assert.match(r.reasons[0], /场景“.+”从.+提升到 L\d/, `${r.name}: ${r.reasons[0]}`);
      }
      const scores = recs.map((r) => r.score);
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best match first');

      const equipment = recs.find((r) => r.name === '轻量化设备管理系统（云版）');
      assert.ok(
        equipment.reasons.some((why) => why.includes('约束性场景') && why.includes('设备管理')),
        equipment.reasons.join(' / '),
      );
      assert.ok(equipment.reasons.some((why) => why.includes('C34')), 'the industry fit is explained');

      // A budget keeps only what fits, and says so.
      await page.locator('#budget').fill('30000');
      const res = await clickAndLoad(page, page.getByRole('button', { name: '筛选', exact: true }));
      assert.equal(res.status, 200, JSON.stringify(res));
      assert.equal(new URL(page.url()).searchParams.get('budget'), '30000');
      assert.equal(await page.locator('#budget').inputValue(), '30000', 'the budget stays in the form');
      const within = await recommendations(page);
      assert.ok(within.length > 0, 'something fits the budget');
      assert.ok(within.every((r) => r.price <= 30_000), within.map((r) => `${r.name} ${r.price}`).join(', '));
      const left = within.map((r) => r.name);
      assert.ok(!left.includes('产品设计与工艺协同平台'), '¥180,000 is over budget');
      assert.ok(left.includes('轻量化设备管理系统（云版）'), '¥27,500 fits');
      assert.ok(
        within.every((r) => r.reasons.some((why) => /在预算 30,000(\.00)? 元以内/.test(why))),
        'the budget is one of the reasons',
      );
    });
  });

  test('the first recommendation lifts a binding scene, and the equipment solution says why it is there', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await page.goto('/my/matches');
      const recs = await recommendations(page);
      assert.match(recs[0]?.reasons[0] ?? '', /约束性场景/, 'binding scenes come first');
      const equipment = recs.find((r) => r.name === '轻量化设备管理系统（云版）');
      assert.ok(equipment, 'the equipment solution is recommended');
      assert.ok(equipment.reasons.some((why) => why.includes('约束性场景') && why.includes('设备管理') && why.includes('未开展')));
    });
  });

  test('catalogue search finds a Chinese word inside a longer name and says when nothing matches', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await navigate(page, '解决方案目录', '/solutions');
      assert.deepEqual(await search(page, '设备管理'), ['轻量化设备管理系统（云版）']);
      assert.deepEqual(await search(page, '设备运维'), []);
      assert.match(await text(page.locator('#no-results')), /没有符合条件的解决方案/);
      assert.equal(await page.locator('#q').inputValue(), '设备运维', 'the query stays in the form');
    });
  });
});

describe('contact requests', () => {
  test('the provider sees the enterprise’s phone only while the enterprise consents', async (t) => {
    /** The provider's view of the enterprise's request; reloads /contacts. */
    const providerSees = async (page) => {
      await page.goto('/contacts');
      const row = contactRow(page, ENTERPRISE);
      assert.equal(await row.count(), 1, 'the provider sees the request');
      return text(row);
    };

    await env.withPage(t, async (enterprise) => {
      await login(enterprise, 'demo-enterprise');
      await enterprise.goto('/my/matches');
      const item = enterprise.locator('#match-list li.match', { hasText: '能耗监测与碳管理' });
      assert.equal(await item.count(), 1);
      const asked = await clickAndLoad(enterprise, item.getByRole('button', { name: '请服务商联系我', exact: true }));
      assert.equal(asked.status, 200, JSON.stringify(asked));
      assert.equal(asked.path, '/contacts');
      assert.equal((await pageFacts(enterprise)).h1, '联系请求');
      assert.match(await text(enterprise.locator('main .alert.ok')), /联系请求已发送/);
      const own = contactRow(enterprise, JINLING);
      assert.equal(await own.count(), 1);
      assert.match(await text(own), /未授权/);

      await env.withPage(t, async (provider) => {
        await login(provider, 'demo-provider');
        await navigate(provider, '联系请求', '/contacts');
        let seen = await providerSees(provider);
        assert.ok(!seen.includes(ENTERPRISE_PHONE), `no phone before consent: ${seen}`);
        assert.match(seen, /企业尚未同意提供/);
        assert.ok(!(await text(provider.locator('main'))).includes(ENTERPRISE_PHONE));

        // The enterprise consents: the provider sees the phone.
        const gave = await clickAndLoad(enterprise, own.getByRole('button', { name: '同意提供联系方式', exact: true }));
        assert.equal(gave.status, 200, JSON.stringify(gave));
        assert.match(await text(own), /已同意提供联系方式/);
        seen = await providerSees(provider);
        assert.ok(seen.includes(ENTERPRISE_PHONE), `phone after consent: ${seen}`);
        assert.match(seen, /已同意提供联系方式/);

        // The enterprise revokes (after confirming): the phone is gone again.
        const confirmed = acceptNextDialog(enterprise);
        const revoked = await clickAndLoad(enterprise, own.getByRole('button', { name: '撤回同意', exact: true }));
        assert.equal(await confirmed, '确定执行此操作吗？');
        assert.equal(revoked.status, 200, JSON.stringify(revoked));
        assert.match(await text(own), /未授权/);
        assert.equal(await own.getByRole('button', { name: '同意提供联系方式', exact: true }).count(), 1);
        seen = await providerSees(provider);
        assert.ok(!seen.includes(ENTERPRISE_PHONE), `no phone after revoking: ${seen}`);
        assert.ok(!(await text(provider.locator('main'))).includes(ENTERPRISE_PHONE));
        assert.match(seen, /企业尚未同意提供/);
      });
    });
  });
});

describe('publishing a solution', () => {
  const NAME = '质量检验数字化套件（端到端测试）';

  test('a provider drafts and submits a solution; once an officer approves, enterprises find it', async (t) => {
    let solutionPath = '';
    await env.withPage(t, async (page) => {
      await login(page, 'demo-provider');
      await navigate(page, '我的解决方案', '/my/solutions');
      const res = await clickAndLoad(page, page.getByRole('link', { name: '发布新方案', exact: true }));
      assert.equal(res.path, '/solutions/new');
      assert.equal((await pageFacts(page)).h1, '发布新方案');

      await page.locator('[name=name]').fill(NAME);
      await page.locator('[name=description]').fill('来料、过程与成品检验的移动端记录、不合格品处置和质量追溯，按年订阅。');
      await page.locator('[name=delivery_days]').fill('20');
      const rows = {
        name: page.locator('input[name=item_name]'),
        unit: page.locator('input[name=item_unit]'),
        price: page.locator('input[name=item_price]'),
      };
      assert.equal(await rows.name.count(), 5, 'five price rows');
      await rows.name.first().fill('质量检验 SaaS 年费');
      await rows.unit.first().fill('年');
      await rows.price.first().fill('9800');
      await page.locator('select[name=scene_quality_management]').selectOption('3');
      await page.locator('[name=industries]').fill('C34');
      const saved = await clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));
      assert.equal(saved.status, 200, JSON.stringify(saved));
      assert.match(saved.path, /^\/solutions\/\d+$/);
      solutionPath = saved.path;
      assert.equal((await pageFacts(page)).h1, NAME);
      const status = page.locator('#solution-status');
      assert.equal(await status.getAttribute('data-status'), 'draft');
      assert.match(await text(status), /^草稿/);
      const items = await page.locator('#price-items').textContent();
      assert.match(items, /质量检验 SaaS 年费/);
      assert.match(items, /9,800\.00/);
      assert.match(await text(page.locator('main')), /质量管理 → L3/);

      const submitted = await clickAndLoad(page, page.getByRole('button', { name: '提交审核', exact: true }));
      assert.equal(submitted.status, 200, JSON.stringify(submitted));
      assert.equal(submitted.path, solutionPath);
      assert.equal(await status.getAttribute('data-status'), 'submitted');
      assert.match(await text(status), /^待审核/);
    });

    // Not yet published: enterprises do not find it.
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      assert.deepEqual(await search(page, '质量检验'), []);
    });

    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await navigate(page, '方案审核', '/solutions/review');
      const queue = new Map(await tableLinks(page, '#solution-list'));
      assert.equal(queue.get(NAME), solutionPath, 'the submitted solution awaits review');
      assert.match(await text(page.locator('#solution-list tbody tr', { hasText: NAME })), new RegExp(JINLING));
      await clickAndLoad(page, page.locator('#solution-list tbody a', { hasText: NAME }));
      assert.equal(pathOf(page), solutionPath);
      const published = await clickAndLoad(page, page.getByRole('button', { name: '审核通过并发布', exact: true }));
      assert.equal(published.status, 200, JSON.stringify(published));
      const status = page.locator('#solution-status');
      assert.equal(await status.getAttribute('data-status'), 'published');
      assert.match(await text(status), /^已发布/);
      // The queue is empty again.
      await page.goto('/solutions/review');
      assert.equal(await page.locator('#solution-list tbody a', { hasText: NAME }).count(), 0);
    });

    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      assert.deepEqual(await search(page, '质量检验'), [NAME]);
    });

    await env.withPage(t, async (page) => {
      await login(page, 'demo-provider');
      await page.goto('/my/solutions');
      const row = page.locator('#solution-list tbody tr', { hasText: NAME });
      assert.match(await text(row), /已发布/);
    });
  });
});
