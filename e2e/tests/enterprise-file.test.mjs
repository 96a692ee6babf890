// The enterprise file through the browser: an authority registers an
// enterprise (a wrong check character first), classifies its size, edits it
// (change history), lists and delists it as seriously dishonest; an enterprise
// reports a cloud service that the authority verifies; a person registers and
// claims an enterprise, which the authority confirms.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  clickAndLoad,
  columnTexts,
  login,
  logout,
  navEntries,
  open,
  pageFacts,
  pathOf,
  tableLinks,
  useStack,
} from './helpers.mjs';

const env = useStack('enterprise-file');

const FILE_PATH = /^\/enterprises\/(\d+)$/;

/** A date (YYYY-MM-DD) `daysAgo` days before today in Beijing time, as the server counts. */
function beijingDate(daysAgo = 0) {
  return new Date(Date.now() + 8 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

const text = async (locator) => (await locator.textContent()).trim();

/** The dd next to the dt labelled exactly `label` on a file page. */
function fact(page, label) {
  return page
    .locator('dl.facts dt')
    .filter({ hasText: new RegExp(`^\\s*${label}\\s*$`) })
    .locator('xpath=following-sibling::dd[1]');
}

/** The value of the home page tile labelled `label`. */
function tile(page, label) {
  return page.locator('a.tile', { has: page.locator('.label', { hasText: label }) });
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

/**
 * As a signed-in officer: /enterprises → 登记企业 → fill the form → 保存.
 * Returns the navigation result; does not check it.
 */
async function submitRegistration(page, e) {
  if (pathOf(page) !== '/enterprises/new') {
    await page.goto('/enterprises');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/enterprises/new'),
      page.getByRole('link', { name: '登记企业', exact: true }).click(),
    ]);
    assert.equal((await pageFacts(page)).h1, '登记企业');
  }
  await page.locator('#uscc').fill(e.uscc);
  await page.locator('#legacy_reason').fill('');
  await page.locator('#ename').fill(e.name);
  await page.locator('#region').fill(e.region ?? '');
  await page.locator('#industry').fill(e.industry);
  await page.locator('input[name="above_scale"]').setChecked(Boolean(e.aboveScale));
  await page.locator('#srdi_tier').selectOption({ label: e.srdi ?? '无' });
  await page.locator('#address').fill(e.address ?? '');
  await page.locator('#legal_rep').fill(e.legalRep ?? '');
  await page.locator('#contact_phone').fill(e.phone ?? '');
  return clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));
}

/** Registers an enterprise with a valid code; returns the file page's path. */
async function registerEnterprise(page, e) {
  const res = await submitRegistration(page, e);
  assert.equal(res.status, 200, `registration of ${e.uscc}: ${JSON.stringify(res)}`);
  assert.match(res.path, FILE_PATH, `registration lands on the file page: ${JSON.stringify(res)}`);
  assert.equal(await text(page.locator('dd#uscc')), e.uscc);
  return res.path;
}

describe('registration by an authority', () => {
  test('a wrong check character is refused with the values kept; the corrected code opens the file, which is classified and edited', async (t) => {
    const e = {
      uscc: '91320104MA1Y00010X',
      name: '南京测试科技有限公司',
      industry: 'C3670',
      aboveScale: true,
      srdi: '创新型中小企业',
      address: '南京市秦淮区中山南路1号',
      legalRep: '张测试',
      phone: '025-84000001',
    };
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');

      // A wrong check character: the form comes back with the error, filled in.
      const bad = await submitRegistration(page, e);
      assert.equal(bad.path, '/enterprises/new', JSON.stringify(bad));
      assert.equal(bad.status, 422, JSON.stringify(bad));
      assert.match(await text(page.locator('div#form-error')), /校验位/);
      assert.equal(await page.locator('#uscc').inputValue(), e.uscc);
      assert.equal(await page.locator('#ename').inputValue(), e.name);
      assert.equal(await page.locator('#industry').inputValue(), e.industry);
      assert.equal(await page.locator('#region').inputValue(), '');
      assert.equal(await page.locator('#address').inputValue(), e.address);
      assert.equal(await page.locator('#legal_rep').inputValue(), e.legalRep);
      assert.equal(await page.locator('#contact_phone').inputValue(), e.phone);
      assert.ok(await page.locator('input[name="above_scale"]').isChecked(), 'above_scale kept');
      assert.equal(
        await page.locator('#srdi_tier option:checked').textContent(),
        e.srdi,
        'srdi tier kept',
      );

      // Corrected: the file page, with the region taken from the code.
      e.uscc = '91320104MA1Y00018F';
      await page.locator('#uscc').fill(e.uscc);
      const ok = await clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));
      assert.match(ok.path, FILE_PATH, JSON.stringify(ok));
      assert.equal(ok.status, 200);
      const filePath = ok.path;
      // The success notice is checked in 'success notices' below.
      assert.equal((await pageFacts(page)).h1, e.name);
      assert.equal(await text(page.locator('dd#uscc')), e.uscc);
      assert.equal(await text(fact(page, '企业名称')), e.name);
      const region = await text(fact(page, '行政区划'));
      assert.match(region, /秦淮区/);
      assert.match(region, /320104/);
      assert.equal(await text(fact(page, '行业代码')), e.industry);
      assert.equal(await text(page.locator('dd#credit-status')), '无失信记录');
      assert.equal(await text(page.locator('dd#cloud-status')), '未上云');

      // Size class for 2025.
      await page.locator('#year').fill('2025');
      await page.locator('#employees').fill('120');
      await page.locator('#revenue_yuan').fill('80000000');
      await page.locator('#assets_yuan').fill('60000000');
      const sized = await clickAndLoad(page, page.getByRole('button', { name: '划型', exact: true }));
      assert.equal(sized.path, filePath, JSON.stringify(sized));
      assert.equal(sized.status, 200, JSON.stringify(sized));
      assert.equal(await page.locator('div#form-error').count(), 0, 'no error after 划型');
      assert.equal(await text(page.locator('dd#size-class')), '小型（2025）');
      const sizeRows = page.locator('#size-list tbody tr');
      assert.equal(await sizeRows.count(), 1);
      const cells = (await sizeRows.first().locator('td').allTextContents()).map((s) => s.trim());
      assert.equal(cells[0], '2025');
      assert.equal(cells[1], '120');
      assert.equal(cells[4], '小型');
      assert.match(cells[5], /300号/);

      // Edit the name: the file shows it and the history keeps the old one.
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${filePath}/edit`),
        page.getByRole('link', { name: '编辑企业信息', exact: true }).click(),
      ]);
      assert.equal((await pageFacts(page)).h1, '编辑企业信息');
      assert.equal(await page.locator('#ename').inputValue(), e.name);
      assert.equal(await page.locator('#uscc').inputValue(), e.uscc);
      const newName = '南京测试科技股份有限公司';
      await page.locator('#ename').fill(newName);
      const saved = await clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));
      assert.equal(saved.path, filePath, JSON.stringify(saved));
      assert.equal(saved.status, 200);
      // The success notice is checked in 'success notices' below.
      assert.equal((await pageFacts(page)).h1, newName);
      assert.equal(await text(fact(page, '企业名称')), newName);
      assert.equal(await text(page.locator('dd#uscc')), e.uscc, 'the code is unchanged');
      assert.equal(await text(page.locator('dd#size-class')), '小型（2025）', 'the size class is unchanged');

      const change = page.locator('#history-list tbody li', { has: page.locator('del', { hasText: e.name }) });
      assert.equal(await change.count(), 1, 'one change line strikes the old name through');
      assert.equal(await text(change.locator('del')), e.name);
      assert.equal(await text(change.locator('ins')), newName);
      const historyRow = page.locator('#history-list tbody tr', {
        has: page.locator('del', { hasText: e.name }),
      });
      assert.match(await text(historyRow.locator('td').nth(2)), /update/);
      assert.match(await historyRow.textContent(), /demo-officer/);

      // The list shows the new name.
      await page.goto('/enterprises');
      const links = new Map(await tableLinks(page, '#enterprise-list'));
      assert.equal(links.get(newName), filePath);
      assert.ok(!links.has(e.name), 'the old name is no longer listed');
    });
  });
});

describe('credit flags', () => {
  test('an authority lists an enterprise as seriously dishonest and then removes it', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const filePath = await registerEnterprise(page, {
        uscc: '91320104MA1Y00026A',
        name: '南京信用测试有限公司',
        industry: 'C3670',
      });
      assert.equal(await text(page.locator('dd#credit-status')), '无失信记录');
      assert.equal(await page.locator('#credit-list').count(), 0, 'no credit records yet');

      const listedOn = beijingDate(30);
      await page.locator('#kind').selectOption({ label: '严重失信主体名单' });
      await page.locator('#source').fill('信用中国');
      await page.locator('#listed_on').fill(listedOn);
      const added = await clickAndLoad(page, page.getByRole('button', { name: '登记', exact: true }));
      assert.equal(added.path, filePath, JSON.stringify(added));
      assert.equal(added.status, 200, JSON.stringify(added));
      assert.equal(await page.locator('div#form-error').count(), 0, 'no error after 登记');
      assert.equal(await text(page.locator('dd#credit-status')), '严重失信');
      const row = page.locator('#credit-list tbody tr');
      assert.equal(await row.count(), 1);
      const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
      assert.equal(cells[0], '严重失信主体名单');
      assert.equal(cells[1], '信用中国');
      assert.equal(cells[2], listedOn);
      assert.equal(cells[3], '', 'not removed yet');

      const removedOn = beijingDate(0);
      await row.locator('input[type="date"]').fill(removedOn);
      const removed = await clickAndLoad(page, row.getByRole('button', { name: '移出', exact: true }));
      assert.equal(removed.path, filePath, JSON.stringify(removed));
      assert.equal(removed.status, 200, JSON.stringify(removed));
      assert.equal(await page.locator('div#form-error').count(), 0, 'no error after 移出');
      assert.equal(await text(page.locator('dd#credit-status')), '无失信记录');
      const after = (await page.locator('#credit-list tbody tr td').allTextContents()).map((s) => s.trim());
      assert.equal(after[3], removedOn, 'the record stays, with its removal date');
      assert.equal(
        await page.locator('#credit-list').getByRole('button', { name: '移出' }).count(),
        0,
        'a removed listing cannot be removed again',
      );
    });
  });
});

describe('cloud records', () => {
  test('the enterprise reports a cloud service, cannot confirm it before 90 days, and the authority verifies it', async (t) => {
    const startedOn = beijingDate(10);
    const filePath = await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      const own = tile(page, '本企业');
      assert.equal(await own.count(), 1, 'home has the 本企业 tile');
      assert.match(await text(own.locator('.value')), /南京玄武精密机械有限公司/);
      const href = await own.getAttribute('href');
      await Promise.all([page.waitForURL((u) => u.pathname === href), own.click()]);
      assert.match(pathOf(page), FILE_PATH);
      assert.equal(await text(page.locator('dd#uscc')), '91320102MA1X2Y3B1X');
      assert.equal(await text(page.locator('dd#cloud-status')), '未上云');
      // An enterprise cannot list itself as dishonest.
      assert.equal(await page.locator('#kind').count(), 0, 'no credit form for the enterprise');

      await page.locator('#provider_name').fill('天翼云');
      await page.locator('#service').fill('云ERP');
      await page.locator('#layer').selectOption({ label: '业务应用' });
      assert.equal(await page.locator('#layer').inputValue(), 'application');
      await page.locator('#category').selectOption({ label: '管理上云' });
      await page.locator('#started_on').fill(startedOn);
      const reported = await clickAndLoad(page, page.getByRole('button', { name: '填报', exact: true }));
      assert.equal(reported.path, href, JSON.stringify(reported));
      assert.equal(reported.status, 200, JSON.stringify(reported));
      assert.equal(await page.locator('div#form-error').count(), 0, 'no error after 填报');

      const row = page.locator('#cloud-list tbody tr', { hasText: '天翼云' });
      assert.equal(await row.count(), 1);
      const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
      assert.deepEqual(cells.slice(0, 6), ['天翼云', '云ERP', '业务应用', '管理上云', startedOn, '已填报']);
      // The enterprise confirms; the officer's buttons are not there.
      assert.equal(await row.getByRole('button', { name: '核验通过' }).count(), 0);

      const confirm = await clickAndLoad(page, row.getByRole('button', { name: '确认持续使用', exact: true }));
      assert.equal(confirm.status, 422, JSON.stringify(confirm));
      assert.match(await text(page.locator('div#form-error')), /使用未满90天/);
      assert.equal(
        (await columnTexts(page, '#cloud-list', 5))[0],
        '已填报',
        'still reported after the refused confirmation',
      );
      assert.equal(await text(page.locator('dd#cloud-status')), '未上云');
      return href;
    });

    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      assert.equal(await text(tile(page, '已上云企业').locator('.value')), '0', 'none before verification');
      await page.goto('/enterprises');
      await Promise.all([
        page.waitForURL((u) => u.pathname === filePath),
        page.locator('#enterprise-list tbody a', { hasText: '南京玄武精密机械有限公司' }).click(),
      ]);
      const row = page.locator('#cloud-list tbody tr', { hasText: '天翼云' });
      assert.equal(await row.count(), 1);
      assert.equal(await row.getByRole('button', { name: '确认持续使用' }).count(), 0, 'not the officer\'s button');
      const verified = await clickAndLoad(page, row.getByRole('button', { name: '核验通过', exact: true }));
      assert.equal(verified.path, filePath, JSON.stringify(verified));
      assert.equal(verified.status, 200, JSON.stringify(verified));
      assert.equal(await page.locator('div#form-error').count(), 0, 'no error after 核验通过');
      assert.equal((await columnTexts(page, '#cloud-list', 5))[0], '已核验');
      assert.equal(await row.getByRole('button').count(), 0, 'a verified record has no more actions');
      assert.equal(await text(page.locator('dd#cloud-status')), '已上云（已核验）');

      await page.locator('nav.side a', { hasText: '首页' }).click();
      await page.waitForURL((u) => u.pathname === '/home');
      assert.equal(await text(tile(page, '已上云企业').locator('.value')), '1');
      // The tile leads to the filtered list.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/enterprises' && u.searchParams.get('cloud') === 'yes'),
        tile(page, '已上云企业').click(),
      ]);
      assert.deepEqual(await columnTexts(page, '#enterprise-list', 1), ['南京玄武精密机械有限公司']);
    });
  });
});

describe('self-registration and claims', () => {
  test('a person registers and claims an enterprise; the city officer confirms after a refused empty rejection', async (t) => {
    const claim = {
      uscc: '91320115MA1X2Y5C28',
      name: '江宁汽车零部件制造有限公司',
      contact: '李认领',
      phone: '13800000001',
      username: 'jn-parts',
      password: 'Claim#2026ok',
    };

    // Register from the login page.
    await env.withPage(t, async (page) => {
      await page.goto('/login');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/register'),
        page.getByRole('link', { name: /注册并认领本企业/ }).click(),
      ]);
      assert.equal((await pageFacts(page)).h1, '企业注册与认领');
      await page.locator('#uscc').fill(claim.uscc);
      await page.locator('#ename').fill(claim.name);
      await page.locator('#contact_name').fill(claim.contact);
      await page.locator('#contact_phone').fill(claim.phone);
      await page.locator('#username').fill(claim.username);
      await page.locator('#password').fill(claim.password);
      const res = await clickAndLoad(page, page.getByRole('button', { name: '注册并提交认领', exact: true }));
      assert.equal(res.path, '/login', JSON.stringify(res));
      assert.equal(res.status, 200);
      // The success notice is checked in 'success notices' below.

      // The new account: a pending claim, no enterprise yet.
      await login(page, claim.username, claim.password);
      assert.equal(await text(page.locator('dd#home-role')), '企业用户');
      const claimTile = tile(page, '企业认领');
      assert.equal(await claimTile.count(), 1, 'home has the claim tile');
      const value = await text(claimTile.locator('.value'));
      assert.match(value, new RegExp(claim.name));
      assert.match(value, /待主管部门审核/);
      assert.equal(await tile(page, '本企业').count(), 0, 'no 本企业 tile before confirmation');
      await page.locator('nav.side a', { hasText: '企业档案' }).click();
      await page.waitForURL((u) => u.pathname === '/enterprises');
      assert.equal(await page.locator('#enterprise-list tbody tr').count(), 0, 'no enterprise before confirmation');
      assert.match(await page.locator('main').textContent(), /没有符合条件的企业/);
      await logout(page);
    });

    // 玄武区 does not see a claim for 江宁区.
    await env.withPage(t, async (page) => {
      await login(page, 'demo-district');
      const res = await open(page, '/claims');
      assert.equal(res.status, 200, JSON.stringify(res));
      assert.equal((await pageFacts(page)).h1, '企业认领审核');
      assert.equal(await page.locator('#claim-list tbody tr', { hasText: claim.uscc }).count(), 0);
      assert.doesNotMatch(await page.locator('main').textContent(), new RegExp(claim.uscc));
    });

    // 南京市 does: an empty rejection is refused, then the claim is confirmed.
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      assert.ok((await navEntries(page)).includes('企业认领审核'), 'officer navigation has 企业认领审核');
      await page.locator('nav.side a', { hasText: '企业认领审核' }).click();
      await page.waitForURL((u) => u.pathname === '/claims');
      assert.equal((await pageFacts(page)).h1, '企业认领审核');
      const row = page.locator('#claim-list tbody tr', { hasText: claim.uscc });
      assert.equal(await row.count(), 1, 'the claim is listed once');
      const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
      assert.deepEqual(cells.slice(0, 5), [claim.uscc, claim.name, '320115', claim.contact, claim.phone]);

      await row.locator('input[name="reason"]').fill('');
      // 驳回 is a .danger button: the page asks for confirmation first.
      const asked = acceptNextDialog(page);
      const rejected = await clickAndLoad(page, row.getByRole('button', { name: '驳回', exact: true }));
      assert.equal(await asked, '确定执行此操作吗？');
      assert.equal(rejected.status, 422, JSON.stringify(rejected));
      assert.equal(await text(page.locator('div#form-error')), '请填写理由');
      assert.equal(await row.count(), 1, 'still pending after the refused rejection');

      const confirmed = await clickAndLoad(page, row.getByRole('button', { name: '确认', exact: true }));
      assert.equal(confirmed.path, '/claims', JSON.stringify(confirmed));
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed));
      // The success notice is checked in 'success notices' below.
      assert.equal(await row.count(), 0, 'no longer pending');
    });

    // The account now has its enterprise.
    await env.withPage(t, async (page) => {
      await login(page, claim.username, claim.password);
      assert.equal(await text(page.locator('dd#home-scope')), '江宁区（320115）');
      assert.match(await text(tile(page, '本企业').locator('.value')), new RegExp(claim.name));
      await page.locator('nav.side a', { hasText: '企业档案' }).click();
      await page.waitForURL((u) => u.pathname === '/enterprises');
      const rows = await tableLinks(page, '#enterprise-list');
      assert.deepEqual(rows.map(([name]) => name), [claim.name]);
      await Promise.all([
        page.waitForURL((u) => u.pathname === rows[0][1]),
        page.locator('#enterprise-list tbody a', { hasText: claim.name }).click(),
      ]);
      assert.equal(await text(page.locator('dd#uscc')), claim.uscc);
      assert.equal((await pageFacts(page)).h1, claim.name);
      assert.match(await text(fact(page, '行政区划')), /江宁区/);
    });
  });
});

describe('success notices', () => {
  // Every form above redirects with ?msg=<key>; the page shows the notice.
  test(
    'registering, saving, self-registering and deciding a claim each show their notice',
    async (t) => {
      const uscc = '91320104MA1Y000345';
      const name = '南京提示测试有限公司';
      const user = { username: 'qh-notice', password: 'Notice#2026ok' };
      const seen = {};
      const notice = async (page) => {
        const ok = page.locator('main .alert.ok');
        return (await ok.count()) ? (await ok.first().textContent()).trim() : null;
      };

      await env.withPage(t, async (page) => {
        await login(page, 'demo-officer');
        const filePath = await registerEnterprise(page, { uscc, name, industry: 'C3670' });
        assert.equal(new URL(page.url()).searchParams.get('msg'), 'enterprises.created');
        seen.created = await notice(page);
        await page.locator('#year').fill('2025');
        await page.locator('#employees').fill('10');
        await page.locator('#revenue_yuan').fill('1000000');
        await page.locator('#assets_yuan').fill('1000000');
        const res = await clickAndLoad(page, page.getByRole('button', { name: '划型', exact: true }));
        assert.equal(res.path, filePath);
        assert.equal(res.search, '?msg=enterprises.saved');
        seen.saved = await notice(page);
      });

      await env.withPage(t, async (page) => {
        await page.goto('/register');
        await page.locator('#uscc').fill(uscc);
        await page.locator('#ename').fill(name);
        await page.locator('#username').fill(user.username);
        await page.locator('#password').fill(user.password);
        const res = await clickAndLoad(page, page.getByRole('button', { name: '注册并提交认领', exact: true }));
        assert.equal(res.path, '/login');
        assert.equal(res.search, '?msg=register.done');
        seen.registered = await notice(page);
      });

      await env.withPage(t, async (page) => {
        await login(page, 'demo-officer');
        await page.goto('/claims');
        const row = page.locator('#claim-list tbody tr', { hasText: uscc });
        const res = await clickAndLoad(page, row.getByRole('button', { name: '确认', exact: true }));
        assert.equal(res.path, '/claims');
        assert.equal(res.search, '?msg=claims.done');
        seen.decided = await notice(page);
      });

      assert.deepEqual(seen, {
        created: '企业已登记',
        saved: '已保存',
        registered: '注册成功，认领申请已提交，请登录查看审核进度。',
        decided: '已处理',
      });
    },
  );
});
