// The platform people work in every day, through the browser on the demo: a visitor's front
// page shows the programme's figures and leads to sign-in; the officer's workbench (工作台) lists
// what waits, its count sits beside 首页 in the side navigation, and every to-do's 办理 link
// opens the page of its action; a step taken there moves the item on at once; the
// enterprise sees where it stands and its next step.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { describe, test } from 'node:test';
import { clickAndLoad, login, navCounts, open, pathOf, useStack } from './helpers.mjs';

// Webhook retries come quickly here so a failed delivery is seen retried within the test.
const env = useStack('workbench', { env: { DENGTA_WEBHOOKS__POLL_MS: '100', DENGTA_WEBHOOKS__RETRY_BASE_MS: '300' } });

const text = async (locator) => (await locator.textContent()).trim();
const number = (s) => Number(s.replace(/[^0-9.]/g, ''));

/** The to-do rows: [task, href]. */
async function todoRows(page) {
  return page
    .locator('#todos tbody tr')
    .evaluateAll((rows) => rows.map((r) => [r.cells[0].textContent.trim(), r.querySelector('a').getAttribute('href')]));
}

describe('workbench and front page', () => {
  test('a visitor sees the programme in figures and signs in from the front page', async (t) => {
    await env.withPage(t, async (page) => {
      const r = await open(page, '/');
      assert.equal(r.status, 200);
      assert.equal(r.path, '/', 'the front page, not a redirect to the login form');
      assert.ok(number(await text(page.locator('#fig-enterprises'))) > 0, 'registered enterprises are counted');
      assert.ok(number(await text(page.locator('#fig-assessed'))) > 0, 'assessed enterprises are counted');
      // The chart's numbers are in a table beside it: twelve months.
      assert.equal(await page.locator('#front-months tbody tr').count(), 12);
      assert.equal(await page.locator('#front-notices li').count(), 3);
      const go = await clickAndLoad(page, page.locator('#front-intro a.button'));
      assert.equal(go.path, '/login');
    });
  });

  test("the officer's to-dos lead to their actions, and the navigation counts them", async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const rows = await todoRows(page);
      assert.ok(rows.length > 0, 'the demo leaves work for the city officer');
      const counts = await navCounts(page);
      assert.equal(counts['/home'], rows.length, 'the count beside 首页 is the number of to-dos');
      // Each link opens a page that answers, at the address it names.
      for (const [task, href] of rows) {
        const r = await open(page, href);
        assert.equal(r.status, 200, `${task} → ${href}`);
        assert.equal(pathOf(page), new URL(href, env.baseURL).pathname);
        await page.goBack();
      }
    });
  });

  test('an application approved from the workbench leaves the list at once', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const before = await todoRows(page);
      const review = before.find(([task]) => task === '市级审核试点企业申请');
      assert.ok(review, `the demo has an application for the city to review: ${JSON.stringify(before)}`);
      const [, href] = review;
      await clickAndLoad(page, page.locator(`#todos a[href="${href}"]`).first());
      assert.equal(pathOf(page), href);
      // The demo's application waiting for the city (玄武电子元器件) is outside the pilot's
      // sub-industries: the city approves it as an exception, which needs its reason.
      await page.fill('#reason-city_approve', '破格：本市电子信息产业链重点配套企业');
      await clickAndLoad(page, page.locator('form[data-action="city_approve"] button'));
      await page.goto('/home');
      const after = await todoRows(page);
      assert.ok(!after.some(([task, h]) => task === '市级审核试点企业申请' && h === href), 'no longer waits for review');
      assert.ok(after.some(([task, h]) => task === '发布试点企业公示' && h === href), 'now waits to be publicised');
      assert.equal((await navCounts(page))['/home'], after.length);
    });
  });

  test("the provider's projects show where each stands", async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-provider');
      const rows = await todoRows(page);
      const project = rows.find(([, href]) => href.startsWith('/projects/'));
      assert.ok(project, 'the demo provider has projects to work on');
      await clickAndLoad(page, page.locator(`#todos a[href="${project[1]}"]`).first());
      assert.equal(await page.locator('#project-progress li').count(), 7);
      assert.equal(await page.locator('#project-progress li[aria-current="step"]').count(), 1);
    });
  });

  test('messages can be muted by kind', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await page.goto('/notifications');
      const box = page.locator('#mutes input[value="subsidy.pay"]');
      assert.equal(await box.isChecked(), false);
      await box.check();
      const r = await clickAndLoad(page, page.locator('#mutes button'));
      assert.equal(r.status, 200);
      assert.equal(await page.locator('#mutes input[value="subsidy.pay"]').isChecked(), true, 'kept after saving');
    });
  });

  test('a system administrator subscribes a receiver and sees its secret once; a refusal keeps the form and names the field', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-sysadmin');
      await page.goto('/admin/webhooks');
      await page.locator('#wurl').fill('ftp://127.0.0.1/hook');
      await page.locator('#wregion').fill('320100');
      let r = await clickAndLoad(page, page.locator('#new-webhook button'));
      assert.equal(r.status, 422, 'only http:// receivers');
      assert.equal(await page.locator('#wurl').inputValue(), 'ftp://127.0.0.1/hook', 'the form keeps what was typed');
      assert.equal(await page.locator('#wregion').inputValue(), '320100');
      // The message stands beside the address it concerns, and that input is marked invalid.
      assert.equal(await page.locator('#wurl').getAttribute('aria-invalid'), 'true');
      assert.match(await text(page.locator('#err-webhook-url')), /http/);
      assert.equal(await page.locator('#wregion').getAttribute('aria-invalid'), null, 'the region is fine');
      await page.locator('#wurl').fill('http://127.0.0.1:9/hook');
      r = await clickAndLoad(page, page.locator('#new-webhook button'));
      assert.equal(r.status, 200);
      assert.equal((await text(page.locator('#webhook-secret code'))).length, 64);
      await page.goto('/admin/webhooks');
      assert.equal(await page.locator('#webhook-secret').count(), 0, 'the secret is shown once');
      assert.match(await text(page.locator('#webhook-list')), /http:\/\/127\.0\.0\.1:9\/hook/);
    });
  });

  test('a receiver subscribed in the browser gets signed events, and a failed delivery is retried', async (t) => {
    // A receiver that fails the first request and accepts the rest.
    const got = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.statusCode = got.length === 1 ? 500 : 200;
        res.end();
      });
    });
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t.after(() => receiver.close());
    const url = `http://127.0.0.1:${receiver.address().port}/dengta-events`;

    let secret = '';
    await env.withPage(t, async (page) => {
      await login(page, 'demo-sysadmin');
      await page.goto('/admin/webhooks');
      await page.locator('#wurl').fill(url);
      await page.locator('#wregion').fill('320100');
      const r = await clickAndLoad(page, page.locator('#new-webhook button'));
      assert.equal(r.status, 200);
      secret = await text(page.locator('#webhook-secret code'));
    });

    // The city officer takes the next step on the demo's application from the workbench.
    await env.withPage(t, async (page) => {
      await login(page, 'demo-officer');
      const rows = await todoRows(page);
      const step = rows.find(([task]) => task === '市级审核试点企业申请' || task === '发布试点企业公示');
      assert.ok(step, `the officer has an application to review or publicise: ${JSON.stringify(rows)}`);
      await clickAndLoad(page, page.locator(`#todos a[href="${step[1]}"]`).first());
      if (step[0] === '市级审核试点企业申请') {
        await page.fill('#reason-city_approve', '破格：本市电子信息产业链重点配套企业');
        await clickAndLoad(page, page.locator('form[data-action="city_approve"] button'));
      } else {
        await clickAndLoad(page, page.locator('form[data-action="publicise"] button'));
      }
    });

    const deadline = Date.now() + 20_000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(got.length >= 2, `the failed delivery was retried (${got.length} requests)`);
    const [first, second] = got;
    assert.equal(first.headers['x-dengta-delivery'], second.headers['x-dengta-delivery'], 'a retry is the same delivery');
    for (const { headers, body } of [first, second]) {
      const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers['x-dengta-signature']) ?? [];
      assert.ok(ts && v1, headers['x-dengta-signature']);
      assert.equal(v1, createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex'), 'signed with the secret shown once');
      assert.equal(JSON.parse(body).kind, headers['x-dengta-event']);
      assert.match(headers['x-dengta-event'], /^enrolment\./);
    }

    // The delivery log says it arrived on the second attempt.
    await env.withPage(t, async (page) => {
      await login(page, 'demo-sysadmin');
      await page.goto('/admin/webhooks');
      await clickAndLoad(page, page.locator('#webhook-list a', { hasText: url }));
      const row = page.locator('#deliveries tbody tr').first();
      assert.equal(await row.getAttribute('data-status'), 'delivered');
      assert.equal(number(await text(row.locator('td').nth(3))), 2);
    });
  });

  test('the enterprise sees its progress and its next step', async (t) => {
    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      const steps = page.locator('#journey ol.journey li');
      assert.equal(await steps.count(), 6);
      assert.equal(await page.locator('#journey li[aria-current="step"]').count(), 1, 'one current step');
      const next = page.locator('#next-step');
      assert.match(await text(next), /下一步/);
      const link = next.locator('a');
      if ((await link.count()) > 0) {
        const r = await clickAndLoad(page, link);
        assert.equal(r.status, 200);
      }
    });
  });
});
