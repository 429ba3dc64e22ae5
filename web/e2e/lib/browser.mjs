// Debian's Chromium driven by playwright-core, headless, with the switches this machine needs
// (no sandbox as root, no background networking to a closed network). Every console error and
// page error fails the test, except a refused request the test said it expects.
import { chromium, selectors } from 'playwright-core';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { rememberSecret } from './platform.mjs';

export const chromiumPath = process.env.ZT_CHROMIUM ?? '/usr/bin/chromium';

// The apps mark what tests look for with data-test="…".
selectors.setTestIdAttribute('data-test');

export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--lang=zh-CN'],
  });
}

export class Watched {
  // A page whose console is watched, its screenshots numbered in `dir`.
  static async open(context, dir, label) {
    const w = new Watched();
    w.page = await context.newPage();
    w.dir = dir;
    w.label = label;
    w.shots = 0;
    w.errors = [];
    w.expected = []; // {status, path} refusals the test provokes on purpose
    w.allowed = [];  // statuses of expected refusals seen, each excusing one browser log line
    w.bearer = ''; // the access token the app last sent (it lives in the page's memory only)
    w.page.on('pageerror', (e) => w.errors.push(`页面异常 ${e.message}`));
    w.page.on('request', (r) => {
      const auth = r.headers().authorization ?? '';
      if (auth.startsWith('Bearer ') && auth.slice(7) !== w.bearer) {
        w.bearer = auth.slice(7);
        rememberSecret(w.bearer);
      }
    });
    // The refresh cookies the app is given are secrets for the log audit too.
    w.page.on('response', async (r) => {
      if (!new URL(r.url()).pathname.startsWith('/api/auth/')) return;
      const set = await r.headerValue('set-cookie').catch(() => null);
      for (const m of (set ?? '').matchAll(/zt_(?:staff_)?refresh=([^;\s]+)/g)) rememberSecret(m[1]);
    });
    w.page.on('response', (r) => {
      if (r.status() < 400) return;
      const path = new URL(r.url()).pathname;
      const i = w.expected.findIndex((x) => x.status === r.status() && path.startsWith(x.path));
      if (i >= 0) {
        w.expected.splice(i, 1);
        w.allowed.push(r.status());
      } else w.errors.push(`意外的 ${r.status()} 答复：${r.request().method()} ${path}`);
    });
    w.page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const status = Number(m.text().match(/status of (\d{3})/)?.[1] ?? 0);
      const i = status ? w.allowed.indexOf(status) : -1;
      if (i >= 0) w.allowed.splice(i, 1);
      else w.errors.push(`控制台错误：${m.text()}`);
    });
    return w;
  }

  // The text field marked `id`, whether the mark sits on the field (Element Plus) or on a wrapper
  // around it (Vant).
  input(id) {
    return this.page.locator(`input[data-test="${id}"], textarea[data-test="${id}"], [data-test="${id}"] input, [data-test="${id}"] textarea`).first();
  }

  // The access token the app last sent with a call (for API steps beside the browser): the app
  // keeps it in memory only, so it is read off the wire.
  accessToken() {
    assert.ok(this.bearer, `${this.label}: the app has sent no access token yet`);
    return this.bearer;
  }

  // The app's refresh cookie (HttpOnly: not readable by the page; the browser context's cookie jar
  // has it). `name`: zt_refresh (H5) or zt_staff_refresh (console).
  async refreshCookie(name) {
    return (await this.page.context().cookies()).find((c) => c.name === name) ?? null;
  }

  // The next request answering `status` under `path` is the point of the step.
  expectRefusal(status, path) {
    this.expected.push({ status, path });
  }

  async shot(name) {
    this.shots += 1;
    await this.page.screenshot({ path: join(this.dir, `${this.label}-${String(this.shots).padStart(2, '0')}-${name}.png`), fullPage: true, animations: 'disabled' });
  }

  // Nothing wider than the viewport (the layout fits the device).
  // Nothing wider than the viewport (the layout fits the device): neither the page nor a
  // scrolling main area (the console's el-main) scrolls sideways.
  async assertFits() {
    const over = await this.page.evaluate(() => {
      const found = [];
      if (document.documentElement.scrollWidth > window.innerWidth) found.push(`页面 ${document.documentElement.scrollWidth}px`);
      for (const el of document.querySelectorAll('main, .el-main, .page'))
        if (el.scrollWidth > el.clientWidth + 1) found.push(`${el.className || el.tagName} ${el.scrollWidth}px > ${el.clientWidth}px`);
      return found;
    });
    assert.deepEqual(over, [], `${this.label}: wider than the ${await this.page.evaluate(() => window.innerWidth)}px viewport`);
  }

  // Runs a test body; on failure the page is kept as a screenshot beside the others.
  async run(body) {
    try {
      await body();
    } catch (e) {
      await this.shot('FAILED').catch(() => {});
      if (this.errors.length) e.message += `\n浏览器错误：${this.errors.join('；')}`;
      throw e;
    }
  }

  assertClean() {
    assert.deepEqual(this.errors, [], `${this.label}: browser errors`);
    assert.deepEqual(this.expected, [], `${this.label}: expected refusals that did not happen`);
  }
}
