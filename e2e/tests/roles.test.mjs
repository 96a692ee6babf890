// Every demo role, through the browser: login form, home page, side
// navigation, each navigation page, data scope, a forbidden page and logout.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  currentNav,
  columnTexts,
  login,
  logout,
  navEntries,
  open,
  pageFacts,
  pathOf,
  screenshot,
  tableLinks,
  useStack,
} from './helpers.mjs';

const env = useStack('roles');

/** Navigation label → the page it opens (the page's h1 is the same label). */
const HREF = {
  首页: '/home',
  数据看板: '/dashboard',
  企业档案: '/enterprises',
  数字化水平评测: '/my/assessments',
  企业认领审核: '/claims',
  服务商: '/providers',
  细分行业: '/sub-industries',
  评审任务: '/reviews',
  解决方案目录: '/solutions',
  方案审核: '/solutions/review',
  我的解决方案: '/my/solutions',
  推荐解决方案: '/my/matches',
  联系请求: '/contacts',
  需求洞察: '/demand',
  试点项目: '/programmes',
  试点企业入库: '/enrolments',
  改造项目: '/projects',
  '链式/面状项目': '/chains',
  现场验收批次: '/rounds',
  改造成效: '/outcomes',
  奖补资金: '/subsidies',
  资金台账: '/ledger',
  诚信预警: '/integrity',
  用户管理: '/admin/users',
  双人审批: '/admin/account-requests',
  行政区划: '/admin/regions',
  数据推送: '/admin/webhooks',
  评测指标: '/admin/instruments',
  审计日志: '/audit',
  修改密码: '/account/password',
};

const NANJING = '南京市（320100）';
const XUANWU = '玄武区（320102）';
const QINHUAI = '秦淮区（320104）';

const ROLES = [
  {
    user: 'demo-enterprise',
    role: '企业用户',
    scope: XUANWU,
    nav: ['首页', '企业档案', '数字化水平评测', '解决方案目录', '推荐解决方案', '联系请求', '试点项目', '试点企业入库', '改造项目', '链式/面状项目', '修改密码'],
    forbidden: ['/audit', '/providers', '/admin/users', '/solutions/review', '/demand', '/my/solutions'],
  },
  {
    user: 'demo-provider',
    role: '服务商用户',
    scope: QINHUAI,
    nav: ['首页', '服务商', '解决方案目录', '我的解决方案', '联系请求', '需求洞察', '试点项目', '改造项目', '链式/面状项目', '修改密码'],
    forbidden: ['/enterprises', '/admin/regions', '/my/matches', '/solutions/review', '/sub-industries', '/reviews'],
  },
  {
    user: 'demo-officer',
    role: '主管部门',
    scope: NANJING,
    nav: ['首页', '数据看板', '企业档案', '企业认领审核', '服务商', '细分行业', '解决方案目录', '方案审核', '需求洞察', '试点项目', '试点企业入库', '改造项目', '链式/面状项目', '改造成效', '现场验收批次', '奖补资金', '资金台账', '诚信预警', '行政区划', '修改密码'],
    forbidden: ['/admin/users', '/audit', '/reviews', '/contacts', '/my/solutions', '/solutions/new'],
  },
  {
    user: 'demo-district',
    role: '主管部门',
    scope: XUANWU,
    nav: ['首页', '数据看板', '企业档案', '企业认领审核', '服务商', '细分行业', '解决方案目录', '方案审核', '需求洞察', '试点项目', '试点企业入库', '改造项目', '链式/面状项目', '改造成效', '现场验收批次', '奖补资金', '资金台账', '诚信预警', '行政区划', '修改密码'],
    forbidden: ['/audit', '/admin/users/new', '/my/matches'],
  },
  {
    user: 'demo-expert',
    role: '专家',
    scope: NANJING,
    nav: ['首页', '评审任务', '解决方案目录', '试点项目', '改造项目', '链式/面状项目', '现场验收批次', '修改密码'],
    forbidden: ['/enterprises', '/providers', '/audit', '/solutions/review', '/contacts', '/demand', '/sub-industries'],
  },
  {
    user: 'demo-sysadmin',
    role: '系统管理员',
    scope: NANJING,
    nav: ['首页', '用户管理', '双人审批', '行政区划', '评测指标', '数据推送', '修改密码'],
    forbidden: ['/audit', '/enterprises', '/solutions', '/providers'],
  },
  {
    user: 'demo-secadmin',
    role: '安全管理员',
    scope: NANJING,
    nav: ['首页', '用户管理', '双人审批', '修改密码'],
    forbidden: ['/admin/users/new', '/admin/regions', '/audit'],
  },
  {
    user: 'demo-auditadmin',
    role: '审计管理员',
    scope: NANJING,
    nav: ['首页', '数据看板', '审计日志', '修改密码'],
    forbidden: ['/admin/users', '/enterprises'],
  },
];

const ALL_ENTERPRISES = [
  '南京玄武精密机械有限公司',
  '南京秦淮智能装备有限公司',
  '江宁汽车零部件制造有限公司',
  '南京江宁新材料科技有限公司',
  '玄武电子元器件有限公司',
];
const XUANWU_ENTERPRISES = ['南京玄武精密机械有限公司', '玄武电子元器件有限公司'];
const OWN_ENTERPRISE = '南京玄武精密机械有限公司';
const ALL_PROVIDERS = ['金陵工业互联网服务有限公司', '江宁云智小快轻准软件有限公司', '玄武数智化咨询有限公司'];
// The demo's pending application, registered in 玄武区.
const XUANWU_PROVIDERS = ['玄武数智化咨询有限公司'];
const OWN_PROVIDER = '金陵工业互联网服务有限公司';

function assertBanner(facts, where) {
  assert.ok(facts.bannerVisible, `demo banner visible on ${where}`);
  assert.match(facts.banner, /演示环境/, `demo banner text on ${where}`);
}

async function assertErrorPage(page, status, result, message, where) {
  assert.equal(result.status, status, `${where} answers ${status}`);
  const facts = await pageFacts(page);
  assert.equal(facts.h1, '出错了', `${where}: error page heading`);
  const alert = (await page.locator('main .alert.error').textContent()).trim();
  assert.equal(alert, message, `${where}: error message`);
  assertBanner(facts, where);
}

/** The officer's list of name → href, for ids to try from other accounts. */
async function officerLinks(t, table) {
  return env.withPage(t, async (page) => {
    await login(page, 'demo-officer');
    await page.goto(table === 'enterprise' ? '/enterprises' : '/providers');
    return new Map(await tableLinks(page, `#${table}-list`));
  });
}

for (const r of ROLES) {
  describe(`role ${r.user} (${r.role})`, () => {
    test('logs in through the form and sees its role, scope and navigation', async (t) => {
      await env.withPage(t, async (page) => {
        await login(page, r.user);
        assert.equal(pathOf(page), '/home');
        assert.equal((await page.locator('dd#home-role').textContent()).trim(), r.role);
        assert.equal((await page.locator('dd#home-scope').textContent()).trim(), r.scope);
        assert.deepEqual(await navEntries(page), r.nav);
        const hrefs = await page
          .locator('nav.side a')
          .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.deepEqual(hrefs, r.nav.map((n) => HREF[n]));
        const facts = await pageFacts(page);
        assert.equal(facts.h1, '首页');
        assertBanner(facts, '/home');
        // The header names who is signed in.
        assert.match(await page.locator('header .who').textContent(), new RegExp(r.user));
      });
    });

    test('every navigation page opens from the side navigation and renders', async (t) => {
      await env.withPage(t, async (page) => {
        await login(page, r.user);
        for (const label of r.nav) {
          const href = HREF[label];
          const link = page.locator('nav.side a', { hasText: label });
          const [response] = await Promise.all([
            page.waitForResponse(
              (res) => res.request().isNavigationRequest() && new URL(res.url()).pathname === href,
            ),
            link.click(),
          ]);
          await page.waitForURL((u) => u.pathname === href);
          await page.waitForLoadState('load');
          assert.equal(response.status(), 200, `${href} status`);
          const facts = await pageFacts(page);
          assert.equal(facts.h1, label, `${href} heading`);
          assertBanner(facts, href);
          // The entry for the page itself is marked current.
          const current = await currentNav(page);
          assert.ok(current.map((s) => s.trim()).includes(label), `${href} current nav entries: ${current}`);
        }
      });
    });

    test(
      'exactly one navigation entry is marked current on each navigation page',
      async (t) => {
        await env.withPage(t, async (page) => {
          await login(page, r.user);
          for (const label of r.nav) {
            await page.goto(HREF[label]);
            const current = await currentNav(page);
            assert.deepEqual(current.map((s) => s.trim()), [label], `${HREF[label]} current nav entry`);
          }
        });
      },
    );

    test('a page outside the role answers 403 with the error page', async (t) => {
      await env.withPage(t, async (page) => {
        await login(page, r.user);
        for (const path of r.forbidden) {
          const res = await open(page, path);
          await assertErrorPage(page, 403, res, '您没有权限访问此页面', path);
          // Still signed in: the error page keeps the role's navigation.
          assert.deepEqual(await navEntries(page), r.nav, `${path}: navigation kept`);
        }
      });
    });

    test('logs out from the header and the session is gone', async (t) => {
      await env.withPage(t, async (page) => {
        await login(page, r.user);
        await logout(page);
        assert.equal(pathOf(page), '/login');
        assertBanner(await pageFacts(page), '/login after logout');
        const res = await open(page, '/home');
        // The session must be gone: /home leads back to the login page.
        assert.ok(res.status === 200 && res.path === '/login', `/home after logout: ${JSON.stringify(res)}`);
        assert.equal(await page.locator('#home-role').count(), 0);
        // Signing in again works.
        await login(page, r.user);
        assert.equal((await page.locator('dd#home-role').textContent()).trim(), r.role);
      });
    });
  });
}

describe('anonymous visitor', () => {
  test(
    'anonymous /home redirects to /login after logout',
    async (t) => {
      await env.withPage(t, async (page) => {
        await login(page, 'demo-officer');
        await logout(page);
        const res = await open(page, '/home');
        assert.equal(res.path, '/login', JSON.stringify(res));
        assert.equal(res.status, 200, JSON.stringify(res));
        await page.locator('#username').waitFor();
      });
    },
  );

  test('the login page shows the demo banner and the form', async (t) => {
    await env.withPage(t, async (page) => {
      const res = await open(page, '/login');
      assert.equal(res.status, 200);
      const facts = await pageFacts(page);
      assert.equal(facts.h1, '用户登录');
      assertBanner(facts, '/login');
      assert.equal(await page.locator('#username').count(), 1);
      assert.equal(await page.locator('#password').getAttribute('type'), 'password');
    });
  });
});

describe('data scope in the browser', () => {
  test('the city officer sees all 5 enterprises and all 3 providers', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await page.goto('/enterprises');
      const names = await columnTexts(page, '#enterprise-list', 1);
      assert.equal(names.length, 5);
      assert.deepEqual([...names].sort(), [...ALL_ENTERPRISES].sort());
      await page.goto('/providers');
      const providers = await columnTexts(page, '#provider-list', 1);
      assert.deepEqual([...providers].sort(), [...ALL_PROVIDERS].sort());
    });
  });

  test('the district officer sees exactly the 2 enterprises and the 1 provider of 玄武区', async (t) => {
    const officerEnterprises = await officerLinks(t, 'enterprise');
    const officerProviders = await officerLinks(t, 'provider');
    await env.withPage(t, async (page) => {
      await login(page, 'demo-district');
      await page.goto('/enterprises');
      const names = await columnTexts(page, '#enterprise-list', 1);
      assert.deepEqual([...names].sort(), [...XUANWU_ENTERPRISES].sort());
      const regions = await columnTexts(page, '#enterprise-list', 2);
      assert.deepEqual(regions, ['320102', '320102']);
      await page.goto('/providers');
      const providers = await columnTexts(page, '#provider-list', 1);
      assert.deepEqual(providers, XUANWU_PROVIDERS);
      // Inside the district: opens. Outside (秦淮区): 404, not 403.
      const inside = officerEnterprises.get('玄武电子元器件有限公司');
      assert.equal((await open(page, inside)).status, 200);
      const outside = officerEnterprises.get('南京秦淮智能装备有限公司');
      assert.ok(outside, 'officer list has 南京秦淮智能装备有限公司');
      await assertErrorPage(
        page,
        404,
        await open(page, outside),
        '您访问的内容不存在或不在您的数据范围内',
        outside,
      );
      // The same for a provider registered in 秦淮区.
      const outsideProvider = officerProviders.get('金陵工业互联网服务有限公司');
      assert.ok(outsideProvider, 'officer list has 金陵工业互联网服务有限公司');
      await assertErrorPage(
        page,
        404,
        await open(page, outsideProvider),
        '您访问的内容不存在或不在您的数据范围内',
        outsideProvider,
      );
    });
  });

  test('the enterprise user sees only its own enterprise; another one is 404', async (t) => {
    const officerEnterprises = await officerLinks(t, 'enterprise');
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await page.goto('/enterprises');
      const rows = await tableLinks(page, '#enterprise-list');
      assert.deepEqual(rows.map(([name]) => name), [OWN_ENTERPRISE]);
      const uscc = (await columnTexts(page, '#enterprise-list', 0))[0];

      // Its own file opens from the list.
      await Promise.all([
        page.waitForURL((u) => u.pathname === rows[0][1]),
        page.locator('#enterprise-list tbody a', { hasText: OWN_ENTERPRISE }).click(),
      ]);
      assert.equal((await page.locator('dd#uscc').textContent()).trim(), uscc);
      assertBanner(await pageFacts(page), rows[0][1]);

      // The other 玄武区 enterprise is in the same district but not its own.
      for (const other of ['玄武电子元器件有限公司', '南京秦淮智能装备有限公司']) {
        const href = officerEnterprises.get(other);
        assert.ok(href, `officer list has ${other}`);
        assert.notEqual(href, rows[0][1]);
        await assertErrorPage(
          page,
          404,
          await open(page, href),
          '您访问的内容不存在或不在您的数据范围内',
          href,
        );
      }
    });
  });

  test('the provider user sees only its own provider; another one is 404', async (t) => {
    const officerProviders = await officerLinks(t, 'provider');
    await env.withPage(t, async (page) => {
      await login(page, 'demo-provider');
      await page.goto('/providers');
      const rows = await tableLinks(page, '#provider-list');
      assert.deepEqual(rows.map(([name]) => name), [OWN_PROVIDER]);
      assert.equal((await open(page, rows[0][1])).status, 200);
      const other = officerProviders.get('江宁云智小快轻准软件有限公司');
      assert.ok(other, 'officer list has the other provider');
      await assertErrorPage(
        page,
        404,
        await open(page, other),
        '您访问的内容不存在或不在您的数据范围内',
        other,
      );
    });
  });
});

describe('screenshots for a person to look at', () => {
  test('the officer home page and enterprise list go to e2e/artifacts/', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      await screenshot(page, 'officer-home');
      await page.locator('nav.side a', { hasText: '企业档案' }).click();
      await page.waitForURL((u) => u.pathname === '/enterprises');
      await page.locator('#enterprise-list tbody tr').first().waitFor();
      await screenshot(page, 'officer-enterprises');
    });
  });
});
