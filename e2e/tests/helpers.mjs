// Shared plumbing for the browser end-to-end tests.
//
// Each test file calls `useStack()` once: it starts its own Dengta server with
// the demo data (fresh database, free port) and one headless system Chromium,
// and tears both down when the file is done. Every test then gets a fresh
// browser context through `env.withPage(t, fn)`, which screenshots the page
// into e2e/artifacts/ when the test fails.
//
// Environment:
//   DENGTA_BIN                 server binary (default ../target/debug/dengta
//                              relative to e2e/)
//   CHROMIUM                   browser binary (default /usr/bin/chromium)
//   DENGTA_TEST_DATABASE_URL   postgres://… of a throwaway database to use
//                              instead of a temporary SQLite file. It is
//                              emptied (schema public dropped and recreated,
//                              with psql) before each server start, because
//                              every test file loads the demo afresh.

import { after, before } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS_DIR = path.join(E2E_DIR, 'artifacts');
export const DEMO_PASSWORD = 'Demo@2026';

const SERVER_BIN = process.env.DENGTA_BIN
  ? path.resolve(process.env.DENGTA_BIN)
  : path.resolve(E2E_DIR, '..', 'target', 'debug', 'dengta');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function safeName(s) {
  return String(s)
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 120) || 'unnamed';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function resetPostgres(url) {
  const r = spawnSync(
    'psql',
    [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c',
      'DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;'],
    { encoding: 'utf8' },
  );
  if (r.error) {
    throw new Error(`DENGTA_TEST_DATABASE_URL is set but psql could not be run to empty it: ${r.error.message}`);
  }
  if (r.status !== 0) {
    throw new Error(`emptying DENGTA_TEST_DATABASE_URL with psql failed:\n${r.stderr}`);
  }
}

/**
 * Starts `dengta serve --demo` on a free port with a fresh database and waits
 * for /healthz. Returns { baseURL, stop, log }.
 *
 * `options.env` adds variables to the server's environment after the
 * inherited DENGTA_* ones are removed, e.g.
 * `{ DENGTA_PROVIDERS__PUBLICITY_SECONDS: '25' }` for a short 公示 period.
 *
 * `options.demoEnterprises` is how many enterprises the demo city adds to the named ones of
 * data/demo.toml: none by default (the tests name what they look for), the product's default
 * (`'default'`) for the tests of the whole demo city.
 */
export async function startServer(label = 'server', options = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dengta-e2e-'));
  const pgUrl = process.env.DENGTA_TEST_DATABASE_URL;
  const databaseUrl = pgUrl || `sqlite://${path.join(dir, 'dengta.db')}`;
  if (pgUrl) resetPostgres(pgUrl);

  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const logPath = path.join(ARTIFACTS_DIR, `server-${safeName(label)}.log`);
  const logFile = createWriteStream(logPath);

  // The server reads ./dengta.toml and DENGTA_* variables; keep both out.
  const env = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) {
    if (k.startsWith('DENGTA_')) delete env[k];
  }
  // Every browser of the suite signs in from 127.0.0.1, hundreds of times: the per-address login
  // and form limits (tested in tests/it/account_security.rs) are raised so flows are not throttled.
  env.DENGTA_SECURITY__LOGIN_PER_ADDRESS_PER_MINUTE = '100000';
  env.DENGTA_SECURITY__LOGIN_PER_ACCOUNT_PER_MINUTE = '100000';
  env.DENGTA_SECURITY__PUBLIC_FORMS_PER_ADDRESS_PER_HOUR = '100000';
  Object.assign(env, options.env ?? {});

  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}`;
    const child = spawn(
      SERVER_BIN,
      [
        '--database-url', databaseUrl, 'serve', '--demo', '--listen', `127.0.0.1:${port}`,
        ...(options.demoEnterprises === 'default' ? [] : ['--demo-enterprises', String(options.demoEnterprises ?? 0)]),
      ],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      logFile.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let exited = null;
    const exitedPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        resolve(exited);
      });
      child.on('error', (err) => {
        exited = { error: err };
        resolve(exited);
      });
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);

    const deadline = Date.now() + 60_000;
    let healthy = false;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) {
          healthy = true;
          break;
        }
      } catch {
        // not up yet
      }
      await sleep(100);
    }

    if (healthy && !exited) {
      const stop = async () => {
        process.off('exit', killOnExit);
        if (!exited) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exitedPromise;
          clearTimeout(timer);
        }
        await new Promise((r) => logFile.end(r));
        await rm(dir, { recursive: true, force: true });
      };
      return { baseURL, stop, log: () => output };
    }

    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGKILL');
      await exitedPromise;
    }
    lastError = new Error(
      `dengta did not become healthy on ${baseURL} (attempt ${attempt}, ` +
        `exit ${JSON.stringify(exited)}):\n${output}`,
    );
    if (exited?.error) break; // binary missing: retrying will not help
    // A port race or a slow start: try again with a fresh database.
    if (pgUrl) resetPostgres(pgUrl);
    else await rm(path.join(dir, 'dengta.db'), { force: true });
  }
  logFile.end();
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

/** Headless system Chromium; never a downloaded browser. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** Writes a full-page screenshot to e2e/artifacts/NAME.png; returns the path. */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${safeName(name)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Screenshot for a failed test, named after the test; never throws. */
export async function screenshotOnFailure(page, testName) {
  try {
    const file = await screenshot(page, `FAILED-${testName}`);
    console.error(`screenshot of the failure: ${file} (at ${page.url()})`);
  } catch (e) {
    console.error(`could not take a failure screenshot: ${e.message}`);
  }
}

/**
 * Registers before/after hooks for the calling test file: one server, one
 * browser. Returns an object filled in once `before` has run. `options` go to
 * startServer (e.g. `{ env: { DENGTA_PROVIDERS__PUBLICITY_SECONDS: '25' } }`).
 */
export function useStack(label, options = {}) {
  const contextsPerTest = new WeakMap();
  const env = {
    baseURL: '',
    browser: null,
    server: null,
    /** A fresh context and page for one test; screenshot if it throws. */
    async withPage(t, fn) {
      const context = await env.browser.newContext({
        baseURL: env.baseURL,
        locale: 'zh-CN',
        viewport: { width: 1280, height: 800 },
      });
      context.setDefaultTimeout(15_000);
      context.setDefaultNavigationTimeout(30_000);
      const page = await context.newPage();
      // Several browsers in one test get distinct screenshot names.
      const n = (contextsPerTest.get(t) ?? 0) + 1;
      contextsPerTest.set(t, n);
      try {
        return await fn(page, context);
      } catch (e) {
        await screenshotOnFailure(page, n > 1 ? `${t.name}-browser${n}` : t.name);
        if (env.server) {
          const tail = env.server.log().split('\n').slice(-30).join('\n');
          console.error(`last server output:\n${tail}`);
        }
        throw e;
      } finally {
        await context.close();
      }
    },
  };
  before(async () => {
    env.server = await startServer(label, options);
    env.baseURL = env.server.baseURL;
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close().catch(() => {});
    await env.server?.stop();
  });
  return env;
}

/** Fills the login form and submits it; does not check the outcome. */
export async function submitLogin(page, username, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST'),
    page.getByRole('button', { name: '登录', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
}

/** Logs in through the form and waits for the home page. */
export async function login(page, username, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/home'),
    page.getByRole('button', { name: '登录', exact: true }).click(),
  ]);
  await page.locator('#home-role').waitFor();
}

/** Clicks the header's 退出登录 button and waits for the login page. */
export async function logout(page) {
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login'),
    page.getByRole('button', { name: '退出登录', exact: true }).click(),
  ]);
}

/** Trimmed text of the side-navigation links, in order (without their to-do counts). */
export async function navEntries(page, selector = 'nav.side a') {
  const texts = await page
    .locator(selector)
    .evaluateAll((links) => links.map((a) => [...a.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('')));
  return texts.map((s) => s.trim());
}

/** The side-navigation entries marked as the current page (labels without counts). */
export const currentNav = (page) => navEntries(page, 'nav.side a[aria-current="page"]');

/** The to-do count beside each side-navigation entry: { href: count }. */
export async function navCounts(page) {
  const pairs = await page
    .locator('nav.side a')
    .evaluateAll((links) => links.map((a) => [a.getAttribute('href'), Number(a.querySelector('.badge')?.textContent ?? 0)]));
  return Object.fromEntries(pairs);
}

/** Trimmed text of the cells in one column of a table's body. */
export async function columnTexts(page, tableSelector, columnIndex) {
  const texts = await page
    .locator(`${tableSelector} tbody tr td:nth-child(${columnIndex + 1})`)
    .allTextContents();
  return texts.map((s) => s.trim());
}

export const pathOf = (page) => new URL(page.url()).pathname;

/**
 * Navigates like a person typing the address and reports what came back:
 * { status, path, error }. Unlike page.goto it does not throw when Chromium
 * refuses to render an error response (an empty 4xx body), so a test can
 * assert on the status either way.
 */
export async function open(page, target) {
  const responses = [];
  const onResponse = (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) responses.push(r);
  };
  page.on('response', onResponse);
  let error;
  try {
    await page.goto(target);
  } catch (e) {
    error = e;
  } finally {
    page.off('response', onResponse);
  }
  const last = responses.at(-1);
  if (!last && error) throw error;
  if (error) {
    // Chromium goes on to commit its own error page; let it, so that the
    // next navigation is not interrupted by it.
    await page
      .waitForURL((u) => u.protocol === 'chrome-error:', { timeout: 5000 })
      .catch(() => {});
    await page.waitForLoadState('load').catch(() => {});
  }
  return {
    status: last.status(),
    path: error ? null : pathOf(page),
    error: error ? error.message.split('\n')[0] : null,
  };
}

/** [text, href] of the links in a table's body, in order. */
export async function tableLinks(page, tableSelector) {
  return page
    .locator(`${tableSelector} tbody a`)
    .evaluateAll((as) => as.map((a) => [a.textContent.trim(), a.getAttribute('href')]));
}

/** Facts every screen shares: its h1 and the demo banner. Never waits. */
export async function pageFacts(page) {
  const h1 = page.locator('main h1');
  const banner = page.locator('.demo-banner');
  const hasBanner = (await banner.count()) > 0;
  return {
    h1: (await h1.count()) ? (await h1.first().textContent()).trim() : null,
    bannerVisible: hasBanner && (await banner.first().isVisible()),
    banner: hasBanner ? (await banner.first().textContent()).trim() : '',
  };
}

/**
 * Clicks something that loads a new document (a link, a form's submit button)
 * and waits until that document has loaded, even when it has the very same
 * address as the page before (a form that answers with itself, or a redirect
 * back to the same page). Returns { status, path, search } of what came back.
 */
export async function clickAndLoad(page, target) {
  const responses = [];
  const onResponse = (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) responses.push(r);
  };
  page.on('response', onResponse);
  try {
    await Promise.all([
      page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
      target.click(),
    ]);
    await page.waitForLoadState('load');
  } finally {
    page.off('response', onResponse);
  }
  const url = new URL(page.url());
  return { status: responses.at(-1)?.status() ?? null, path: url.pathname, search: url.search };
}
