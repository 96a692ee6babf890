// User journeys through the browser: a failed login, the language switch,
// creating a user, reading and verifying the audit trail, changing a password.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEMO_PASSWORD,
  columnTexts,
  login,
  navEntries,
  open,
  pageFacts,
  pathOf,
  submitLogin,
  useStack,
} from './helpers.mjs';

const env = useStack('flows');

/** After a session has ended, /home must not show the home page. */
async function assertSignedOut(page, where) {
  const res = await open(page, '/home');
  // A signed-out visitor is sent to the login page.
  assert.ok(res.status === 200 && res.path === '/login', `${where}: /home gave ${JSON.stringify(res)}`);
  assert.equal(await page.locator('#home-role').count(), 0, `${where}: no home page`);
}

/** Creates a user through /admin/users/new as the signed-in sysadmin. */
async function createUser(page, { username, displayName, role, region, password }) {
  await page.locator('nav.side a', { hasText: '用户管理' }).click();
  await page.waitForURL((u) => u.pathname === '/admin/users');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/users/new'),
    page.getByRole('link', { name: '新建用户' }).click(),
  ]);
  assert.equal((await pageFacts(page)).h1, '新建用户');
  await page.locator('#username').fill(username);
  await page.locator('#display_name').fill(displayName);
  await page.locator('#role').selectOption(role);
  await page.locator('#region').fill(region);
  await page.locator('#enterprise_id').fill('');
  await page.locator('#provider_id').fill('');
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForURL((u) => /^\/admin\/users\/\d+$/.test(u.pathname)),
    page.getByRole('button', { name: '创建', exact: true }).click(),
  ]);
  const id = Number(pathOf(page).split('/').pop());
  assert.ok(id > 0, `new user id from ${page.url()}`);
  assert.match(await page.locator('main').textContent(), /用户已创建/);
  assert.match(await page.locator('main').textContent(), new RegExp(username));
  return id;
}

describe('login', () => {
  test('a wrong password shows the error and stays on the login page', async (t) => {
    await env.withPage(t, async (page) => {
      await submitLogin(page, 'demo-provider', 'Wrong#Pass2026');
      assert.equal(pathOf(page), '/login');
      assert.equal((await page.locator('#login-error').textContent()).trim(), '用户名或密码错误');
      assert.equal((await pageFacts(page)).h1, '用户登录');
      assertBannerOn(await pageFacts(page));
      // The name is kept, the password is not.
      assert.equal(await page.locator('#username').inputValue(), 'demo-provider');
      assert.equal(await page.locator('#password').inputValue(), '');
      await assertSignedOut(page, 'after a failed login');

      // An unknown account gets the very same message.
      await submitLogin(page, 'no-such-user', 'Wrong#Pass2026');
      assert.equal(pathOf(page), '/login');
      assert.equal((await page.locator('#login-error').textContent()).trim(), '用户名或密码错误');

      // The right password still works after one failure.
      await login(page, 'demo-provider');
      assert.equal((await page.locator('#home-role').textContent()).trim(), '服务商用户');
    });
  });
});

function assertBannerOn(facts) {
  assert.ok(facts.bannerVisible, 'demo banner visible');
  assert.match(facts.banner, /演示环境/);
}

describe('language', () => {
  test('switches to English and back on the same page', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto('/enterprises');
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');

      await Promise.all([
        page.waitForURL((u) => u.pathname === '/enterprises'),
        page.getByRole('link', { name: 'English', exact: true }).click(),
      ]);
      await page.waitForLoadState('load');
      assert.equal(pathOf(page), '/enterprises', 'stays on the page it was used on');
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.deepEqual(await navEntries(page), [
        'Home',
        'Dashboard',
        'Enterprises',
        'Enterprise claims',
        'Providers',
        'Sub-industries',
        'Solution catalogue',
        'Solution review',
        'Demand signals',
        'Pilot programmes',
        'Pilot enterprise pool',
        'Projects',
        'Chains and clusters',
        'Outcomes',
        'On-site acceptance rounds',
        'Subsidies',
        'Budget ledger',
        'Integrity flags',
        'Regions',
        'Change password',
      ]);
      assert.equal((await pageFacts(page)).h1, 'Enterprises');
      assert.equal((await page.locator('header a.lang').textContent()).trim(), '中文');
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 1);
      const banner = await pageFacts(page);
      assert.ok(banner.bannerVisible);
      assert.match(banner.banner, /Demo environment/);
      // The data is the same whatever the language.
      assert.equal(await page.locator('#enterprise-list tbody tr').count(), 5);

      // The choice sticks across pages.
      await page.locator('nav.side a', { hasText: 'Home' }).click();
      await page.waitForURL((u) => u.pathname === '/home');
      assert.equal((await pageFacts(page)).h1, 'Home');
      assert.equal((await page.locator('#home-role').textContent()).trim(), 'Authority officer');

      await Promise.all([
        page.waitForURL((u) => u.pathname === '/home'),
        page.locator('header a.lang', { hasText: '中文' }).click(),
      ]);
      await page.waitForLoadState('load');
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
      assert.deepEqual(await navEntries(page), [
        '首页',
        '数据看板',
        '企业档案',
        '企业认领审核',
        '服务商',
        '细分行业',
        '解决方案目录',
        '方案审核',
        '需求洞察',
        '试点项目',
        '试点企业入库',
        '改造项目',
        '链式/面状项目',
        '改造成效',
        '现场验收批次',
        '奖补资金',
        '资金台账',
        '诚信预警',
        '行政区划',
        '修改密码',
      ]);
      assert.equal((await page.locator('header a.lang').textContent()).trim(), 'English');
      assert.equal((await page.locator('#home-role').textContent()).trim(), '主管部门');
    });
  });
});

describe('user administration', () => {
  test('the system administrator creates an expert who can then log in', async (t) => {
    const user = { username: 'e2e-expert', displayName: '端到端测试专家', role: 'expert', region: '320100', password: 'Expert#2026x' };
    await env.withPage(t, async (page) => {
      await login(page, 'demo-sysadmin');
      await createUser(page, user);
      await page.goto('/admin/users');
      const rows = await page.locator('#user-list tbody tr', { hasText: user.username }).allTextContents();
      assert.equal(rows.length, 1, 'the new user is listed once');
      assert.match(rows[0], /端到端测试专家/);
      assert.match(rows[0], /专家/);
      assert.match(rows[0], /320100/);
      assert.match(rows[0], /正常/);
    });
    // The new account, in a browser of its own. The administrator chose its password, so
    // the first sign-in leads to the password form, and nothing else, until it is replaced.
    const OWN = 'Own#Expert2026';
    await env.withPage(t, async (page) => {
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/account/password'),
        submitLogin(page, user.username, user.password),
      ]);
      assert.match(await page.locator('#must-change').textContent(), /一次性密码/);
      await page.goto('/home');
      assert.equal(pathOf(page), '/account/password');
      await page.locator('#current').fill(user.password);
      await page.locator('#new').fill(OWN);
      await page.locator('#confirm').fill(OWN);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/login'),
        page.getByRole('button', { name: '保存', exact: true }).click(),
      ]);
      await login(page, user.username, OWN);
      assert.equal((await page.locator('#home-role').textContent()).trim(), '专家');
      assert.equal((await page.locator('#home-scope').textContent()).trim(), '南京市（320100）');
      assert.deepEqual(await navEntries(page), ['首页', '评审任务', '解决方案目录', '试点项目', '改造项目', '链式/面状项目', '现场验收批次', '修改密码']);
      assert.match(await page.locator('header .who').textContent(), /e2e-expert/);
    });
  });
});

describe('audit', () => {
  test('the audit administrator sees the user.create record and the chain verifies', async (t) => {
    const newId = await env.withPage(t, async (page) => {
      await login(page, 'demo-sysadmin');
      return createUser(page, {
        username: 'e2e-audit-probe',
        displayName: '审计探针',
        role: 'expert',
        region: '320100',
        password: 'Probe#2026x',
      });
    });
    await env.withPage(t, async (page) => {
      await login(page, 'demo-auditadmin');
      await page.locator('nav.side a', { hasText: '审计日志' }).click();
      await page.waitForURL((u) => u.pathname === '/audit');
      assert.equal((await pageFacts(page)).h1, '审计日志');
      const actions = await columnTexts(page, '#audit-list', 5);
      assert.ok(actions.includes('user.create'), `user.create among ${actions.join(', ')}`);
      assert.ok(actions.includes('auth.login'), 'logins are audited');
      const row = page.locator('#audit-list tbody tr', { hasText: `user:${newId}` });
      assert.equal(await row.count(), 1, `one record for user:${newId}`);
      const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
      assert.equal(cells[2], 'demo-sysadmin', 'who');
      assert.equal(cells[3], 'sysadmin', 'role');
      assert.equal(cells[5], 'user.create', 'action');
      assert.equal(cells[7], 'ok', 'outcome');

      // Search by action.
      await page.locator('#action').fill('user.create');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/audit' && u.searchParams.get('action') === 'user.create'),
        page.getByRole('button', { name: '检索', exact: true }).click(),
      ]);
      const filtered = await columnTexts(page, '#audit-list', 5);
      assert.ok(filtered.length >= 9, `8 demo users and ours: ${filtered.length}`);
      assert.ok(filtered.every((a) => a === 'user.create'), filtered.join(', '));

      // Verify the hash chain.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/audit/verify'),
        page.getByRole('link', { name: '核验完整性' }).click(),
      ]);
      const verdict = (await page.locator('div#audit-verdict').textContent()).trim();
      assert.match(verdict, /审计链完整/);
      assertBannerOn(await pageFacts(page));
    });
  });
});

describe('password', () => {
  test('changing the password ends every session and only the new one works', async (t) => {
    const NEW = 'Changed#2026y';
    await env.withPage(t, async (other) => {
      // A second session of the same user, in another browser.
      await login(other, 'demo-expert');
      await env.withPage(t, async (page) => {
        await login(page, 'demo-expert');
        await page.locator('nav.side a', { hasText: '修改密码' }).click();
        await page.waitForURL((u) => u.pathname === '/account/password');
        assert.equal((await pageFacts(page)).h1, '修改密码');

        // A mismatched confirmation is refused and changes nothing.
        await page.locator('#current').fill(DEMO_PASSWORD);
        await page.locator('#new').fill(NEW);
        await page.locator('#confirm').fill(`${NEW}z`);
        await page.getByRole('button', { name: '保存', exact: true }).click();
        await page.locator('main .alert.error').waitFor();
        assert.match(await page.locator('main .alert.error').textContent(), /两次输入的新密码不一致/);
        assert.equal(pathOf(page), '/account/password');

        await page.locator('#current').fill(DEMO_PASSWORD);
        await page.locator('#new').fill(NEW);
        await page.locator('#confirm').fill(NEW);
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/login'),
          page.getByRole('button', { name: '保存', exact: true }).click(),
        ]);
        assert.match(await page.locator('main').textContent(), /密码已修改，请使用新密码重新登录/);
        await assertSignedOut(page, 'the session that changed the password');
        await assertSignedOut(other, 'another session of the same user');

        // The old password is refused; the new one works.
        await submitLogin(page, 'demo-expert', DEMO_PASSWORD);
        assert.equal(pathOf(page), '/login');
        assert.equal((await page.locator('#login-error').textContent()).trim(), '用户名或密码错误');
        await login(page, 'demo-expert', NEW);
        assert.equal((await page.locator('#home-role').textContent()).trim(), '专家');
      });
    });
  });
});
