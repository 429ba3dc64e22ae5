// Debian's Chromium driven by playwright-core, headless, with the switches this machine needs
// (no sandbox as root, no background networking to a closed network). Every console error and
// page error fails the test, except a refused request the test said it expects.
import { chromium, selectors } from 'playwright-core';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { freshTotp, rememberSecret } from './platform.mjs';

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

  // Nothing untranslated (issue 28): the labels a customer or staff member reads — titles, menu
  // items, buttons, tabs, table headers, form labels, tags, empty states, placeholders — contain
  // Chinese, or are a code, an id, a number or a known acronym. Data shown as data (a username, a
  // trace id, a YAML text) is not a label and is not looked at.
  async assertTranslated(where) {
    const found = await this.page.evaluate(() => {
      const labels = [
        'h1', 'h2', 'h3', '.page-title', 'th', 'button', 'label', '.el-form-item__label', '.el-menu-item', '.el-tag', '.el-tabs__item',
        '.el-radio-button__inner', '.el-descriptions__label', '.el-card__header', '.el-empty__description', '.el-alert__title',
        '.el-dialog__title', '.el-drawer__title', '.el-table__empty-text', '.van-nav-bar__title', '.van-nav-bar__text',
        '.van-cell__title', '.van-button__text', '.van-tab__text', '.van-grid-item__text', '.van-field__label', '.van-empty__description',
        '.van-tabbar-item__text', '.section-title', '.van-tag',
      ].join(', ');
      const acronyms = new Set(['CSV', 'TOTP', 'ETF', 'LOF', 'QDII', 'ID', 'IP', 'PDF', 'PNG', 'JPG', 'JPEG', 'YAML', 'JSON', 'MD5', 'H5', 'API']);
      const ok = (t) => /[\u4e00-\u9fff]/.test(t) || !/[A-Za-z]/.test(t) || /\d/.test(t) || acronyms.has(t) || /^[A-Z][A-Z0-9_]{2,}$/.test(t);
      const seen = new Set();
      const visible = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
      for (const el of document.querySelectorAll(labels)) {
        if (!visible(el)) continue;
        for (const t of (el.innerText ?? '').split('\n').map((x) => x.trim()).filter(Boolean)) if (!ok(t)) seen.add(t);
      }
      for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
        const t = el.getAttribute('placeholder').trim();
        if (t && visible(el) && !ok(t)) seen.add(`placeholder: ${t}`);
      }
      return [...seen];
    });
    assert.deepEqual(found, [], `${this.label}: untranslated on ${where}`);
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

// The first admin (firstAdmin) signs in to the console on `w` — password and TOTP — and sets a
// password of their own, as the first sign-in asks; resolves on the services page.
export async function signInFirstAdmin(w, z, admin) {
  const page = w.page;
  await page.goto(z.url('/console/'));
  await page.getByTestId('login').waitFor();
  await w.input('username').fill(admin.username);
  await w.input('password').fill(admin.password);
  await w.input('totp').fill(await freshTotp(admin.secret));
  await page.getByTestId('submit').click();
  await page.getByTestId('password-page').waitFor();
  const newPassword = `Changed-${admin.password}`;
  rememberSecret(newPassword);
  await w.input('current-password').fill(admin.password);
  await w.input('new-password').fill(newPassword);
  await w.input('confirm-password').fill(newPassword);
  await page.getByTestId('save-password').click();
  await page.getByTestId('services-page').waitFor();
  return newPassword;
}
