// Equipment on the cloud (设备上云) through the browser: the demo enterprise registers a device
// and its gateway sends three days of readings through the API (one batch, a bad reading refused
// with its reason); the enterprise file then counts the device, lists it, and draws the daily OEE
// chart beside the table of the same numbers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'playwright-core';
import { login, open, useStack } from './helpers.mjs';

const env = useStack('devices', { env: { DENGTA_SECURITY__TOTP_ROLES: 'sysadmin,secadmin,auditadmin' } });

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
    return { status: r.status(), json: await r.json().catch(() => null) };
  };
  return { get: (url) => call('GET', url), post: (url, body) => call('POST', url, body ?? {}), dispose: () => ctx.dispose() };
}

describe('devices on the enterprise file', { concurrency: false }, () => {
  test('a registered device with readings shows its count, list, chart and table', async (t) => {
    const api = await apiAs('demo-enterprise');
    const list = await api.get('/api/v1/enterprises');
    assert.equal(list.status, 200);
    const enterprise = list.json.items[0].id;
    const dev = await api.post(`/api/v1/enterprises/${enterprise}/devices`, {
      code: 'E2E-CNC-1', name: '五轴加工中心', kind: 'cnc', protocol: 'opc_ua', gateway: 'GW-E2E', ideal_cycle_ms: 2000,
    });
    assert.equal(dev.status, 201, JSON.stringify(dev.json));
    const hour = 3_600_000;
    const start = Math.floor((Date.now() - 3 * 24 * hour) / hour) * hour;
    const readings = [];
    for (let h = 0; h < 48; h++) {
      readings.push({ device_id: dev.json.id, ts_ms: start + h * hour, period_s: 3600, run_s: 3000, planned_s: 3600,
        output_units: 1200, good_units: 1150, energy_wh: 8000 });
    }
    readings.push({ device_id: dev.json.id, ts_ms: start + 50 * hour, period_s: 3600, run_s: 3700, planned_s: 3600,
      output_units: 1, good_units: 1 });
    const sent = await api.post('/api/v1/devices/readings', { readings });
    assert.equal(sent.status, 200, JSON.stringify(sent.json));
    assert.equal(sent.json.stored, 48);
    assert.equal(sent.json.readings[48].reason, 'run_over_planned');
    await api.dispose();

    await env.withPage(t, async (page) => {
      await login(page, 'demo-enterprise');
      await open(page, `/enterprises/${enterprise}`);
      assert.equal((await page.locator('#device-count').textContent()).trim(), '1');
      assert.match(await page.locator('#device-list').textContent(), /E2E-CNC-1[\s\S]*数控机床[\s\S]*OPC UA/);
      assert.equal(await page.locator('#devices figure svg').count(), 1, 'the daily OEE chart');
      const rows = await page.locator('#kpi-table tbody tr').count();
      assert.ok(rows >= 2 && rows <= 3, `one row a day with readings, got ${rows}`);
      // 3000/3600 × (1200 × 2 s / 3000 s) × 1150/1200 = 63.89 %.
      assert.match(await page.locator('#kpi-table').textContent(), /63\.89%/);
    });
  });
});
