// The web apps' security headers and token storage, in a real browser: both apps are served with
// the Content-Security-Policy (and X-Frame-Options, Referrer-Policy) and run under it without a
// single violation (a customer signs up and goes through the mall and a fund's chart; the first
// admin signs in and opens every console page); a page on another origin cannot frame either app;
// after sign-in neither app keeps a token where a script could read it — the access token lives
// in the page's memory, the refresh token in an HttpOnly, SameSite=Strict cookie.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Zhongtai, api, eventually, firstAdmin, freePort, freshTotp, outDir, refreshCookieHeader, rememberSecret, tempDir } from '../lib/platform.mjs';
import { Watched, launch } from '../lib/browser.mjs';
import { agreeToTerms } from '../lib/h5.mjs';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; " +
  "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'";
const mobile = '13811112222';
let z;
let admin;
let staff;
let browser;
const dir = outDir('security');
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };
const desk = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN' };

async function ok(method, path, body) {
  const r = await api(z, method, path, body, staff);
  assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

before(async () => {
  const root = tempDir('zt-e2e-security-');
  admin = firstAdmin(root);
  z = await Zhongtai.start({ dataDir: root, env: { ZT_AUTH__RESEND_COOLDOWN: '1s' }, name: 'security', staffKey: true });
  staff = z.staffToken(['products.manage', 'sandbox.manage']);
  // A published fund with a NAV history, for the product page's chart.
  await ok('POST', '/api/mall/v1/admin/products', {
    code: 'F40001', name: '安全测试混合', category: 'public_fund', risk: 2, issuer: '沙箱基金管理有限公司', sale_start: '2026-01-05',
    min_first: '1000.00', min_additional: '100.00', increment: '0.01', audience: 'public', description: '浏览器测试用基金',
    fees: { subscription: [{ from: '0', rate: '0.015' }], redemption: [{ min_days: 0, rate: '0.015' }] },
  });
  for (const [date, nav] of [['2026-02-24', '0.9950'], ['2026-02-25', '1.0010'], ['2026-02-26', '0.9980'], ['2026-02-27', '1.0000']])
    await ok('PUT', `/api/mall/v1/admin/products/F40001/navs/${date}`, { nav });
  await ok('POST', '/api/mall/v1/admin/products/F40001/status', { status: 'published', comment: '上架' });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  const code = await z?.stop();
  assert.equal(code, 0, `zhongtai exited with ${code}: ${z?.log().slice(-3000)}`);
});

// A context whose pages report every CSP violation (besides the console error Chromium prints).
async function watchedContext(options) {
  const context = await browser.newContext(options);
  const violations = [];
  await context.exposeBinding('__ztCspViolation', (_source, v) => violations.push(v));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__ztCspViolation({ page: location.pathname, directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
        source: `${e.sourceFile}:${e.lineNumber}` });
    });
  });
  return { context, violations };
}

// Nothing token-like where a script can read it: no storage value holds the access token or a
// JWT, and document.cookie does not show the refresh cookie.
async function assertNoReadableToken(w, cookieName) {
  const token = w.accessToken();
  const seen = await w.page.evaluate(() => {
    const items = [];
    for (const [where, store] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]])
      for (let i = 0; i < store.length; i++) items.push({ where, key: store.key(i), value: store.getItem(store.key(i)) ?? '' });
    return { items, cookie: document.cookie };
  });
  for (const { where, key, value } of seen.items) {
    assert.ok(!value.includes(token) && !key.includes(token), `${where}.${key} holds the access token`);
    assert.doesNotMatch(value, /eyJ[\w-]{4,}\.[\w-]{4,}/, `${where}.${key} holds a JWT`);
    assert.doesNotMatch(value, /refresh/i, `${where}.${key} mentions a refresh token`);
  }
  assert.ok(!seen.cookie.includes(cookieName), `document.cookie shows ${cookieName}: HttpOnly expected`);
  const jar = await w.refreshCookie(cookieName);
  assert.ok(jar, `the browser holds ${cookieName}`);
  assert.equal(jar.httpOnly, true);
  assert.equal(jar.sameSite, 'Strict');
  assert.equal(jar.path, '/api/auth/v1/tokens');
}

test('the apps are served with the CSP, X-Frame-Options and Referrer-Policy', async () => {
  for (const path of ['/', '/me', '/mall/products/F40001', '/console/', '/console/services']) {
    const res = await fetch(z.url(path));
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/, path);
    assert.equal(res.headers.get('content-security-policy'), CSP, `${path}: Content-Security-Policy`);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', `${path}: X-Frame-Options`);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', `${path}: Referrer-Policy`);
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${path}: no inline script`);
    assert.doesNotMatch(html, /\sstyle=|<style/, `${path}: no inline style`);
  }
});

test('the H5 app runs under the CSP and keeps no token where a script can read it', async () => {
  const { context, violations } = await watchedContext(phone);
  const w = await Watched.open(context, dir, 'h5');
  const page = w.page;
  await w.run(async () => {
    await page.goto(z.url('/'));
    await page.getByTestId('home').waitFor();
    await page.getByTestId('sandbox-banner').waitFor();
    // Vant's icon font comes from the bundle (a data: URL), not a CDN the policy would refuse.
    await eventually(() => page.evaluate(() => [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'vant-icon' && f.status === 'loaded')));
    await page.getByTestId('go-login').click();
    await w.input('mobile').fill(mobile);
    await page.getByTestId('send-code').click();
    await page.getByTestId('hint').waitFor();
    const box = await api(z, 'GET', `/api/notify/v1/outbox?channel=sms&recipient=${mobile}&limit=1`, undefined, staff);
    const code = JSON.stringify(box.body).match(/验证码为(\d{6})/)?.[1];
    assert.ok(code, `a code in the outbox: ${JSON.stringify(box.body)}`);
    rememberSecret(code);
    await w.input('code').fill(code);
    // The sign-in asks for the cookie; its answer carries no refresh token.
    await agreeToTerms(w);
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/v1/sessions');
    await page.getByTestId('submit').click();
    const signIn = await answer;
    assert.equal(signIn.request().headers()[refreshCookieHeader], 'customer');
    assert.equal((await signIn.json()).refresh_token, '', 'the refresh token is in the cookie only');
    await page.getByTestId('me').waitFor();
    await page.getByTestId('masked-mobile').waitFor();
    await assertNoReadableToken(w, 'zt_refresh');

    // A reload keeps the customer signed in (the page refreshes with the cookie), still without
    // a readable token.
    const refreshed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/v1/tokens/refresh');
    await page.reload();
    const refresh = await refreshed;
    assert.equal(refresh.status(), 200);
    assert.equal(refresh.request().headers()[refreshCookieHeader], 'customer');
    assert.equal((await refresh.json()).refresh_token, '');
    await page.getByTestId('masked-mobile').waitFor();
    await assertNoReadableToken(w, 'zt_refresh');

    // Vant's widgets and ECharts' canvas (with its tooltip) under the policy.
    await page.goto(z.url('/mall'));
    await page.getByTestId('mall-page').waitFor();
    await page.getByTestId('product-F40001').click();
    await page.getByTestId('product-page').waitFor();
    const chart = page.getByTestId('nav-chart').locator('canvas');
    await chart.waitFor();
    const box2 = await chart.boundingBox();
    await page.mouse.move(box2.x + box2.width / 2, box2.y + box2.height / 2);
    await page.mouse.move(box2.x + box2.width * 0.8, box2.y + box2.height / 2);
    await w.shot('chart');
    await page.goto(z.url('/risk'));
    await page.getByTestId('risk-page').waitFor();
    await page.locator('[data-test^="question-"]').first().waitFor();
    await page.locator('[data-test^="question-"]').first().locator('.van-radio').first().click();
    await page.goto(z.url('/me/password'));
    await page.getByTestId('password-page').waitFor();
    await page.goto(z.url('/me'));
    await page.getByTestId('logout').click();
    await page.locator('.van-dialog').getByRole('button', { name: '退出' }).click();
    await page.getByTestId('login').waitFor();
    assert.equal(await w.refreshCookie('zt_refresh'), null, 'logout clears the cookie');
    await w.shot('signed-out');

    assert.deepEqual(violations, [], 'CSP violations');
    w.assertClean();
  });
  await context.close();
});

test('the console runs under the CSP and keeps no token where a script can read it', async () => {
  const { context, violations } = await watchedContext(desk);
  const w = await Watched.open(context, dir, 'console');
  const page = w.page;
  await w.run(async () => {
    await page.goto(z.url('/console/'));
    await page.getByTestId('login').waitFor();
    await w.input('username').fill(admin.username);
    await w.input('password').fill(admin.password);
    await w.input('totp').fill(await freshTotp(admin.secret));
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/v1/staff/sessions');
    await page.getByTestId('submit').click();
    const signIn = await answer;
    assert.equal(signIn.request().headers()[refreshCookieHeader], 'staff');
    assert.equal((await signIn.json()).refresh_token, '', 'the refresh token is in the cookie only');
    await page.getByTestId('password-page').waitFor();
    const newPassword = `Security-${admin.password}`;
    rememberSecret(newPassword);
    await w.input('current-password').fill(admin.password);
    await w.input('new-password').fill(newPassword);
    await w.input('confirm-password').fill(newPassword);
    await page.getByTestId('save-password').click();
    await page.getByTestId('services-page').waitFor();
    await assertNoReadableToken(w, 'zt_staff_refresh');

    // Every page of the menu, Element Plus's pickers and dialogs among them.
    for (const [nav, mark] of [['configs', 'configs-page'], ['flow', 'flow-page'], ['audit', 'audit-page'], ['products', 'products-page'],
      ['mall-orders', 'mall-orders-page'], ['reviews', 'reviews-page'], ['sandbox', 'sandbox-page'], ['sandbox-outbox', 'outbox-page'],
      ['staff', 'staff-page'], ['services', 'services-page']]) {
      await page.getByTestId(`nav-${nav}`).click();
      await page.getByTestId(mark).waitFor();
    }
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-page').waitFor();
    await page.getByTestId('audit-action').click();
    await page.getByRole('option', { name: '发送验证码' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByPlaceholder('开始', { exact: true }).click();
    await page.locator('.el-picker-panel').first().waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('nav-staff').click();
    await page.getByTestId('new-staff').click();
    await page.getByRole('dialog').first().waitFor();
    await w.shot('dialog');
    await page.keyboard.press('Escape');

    // A reload: signed in again from the cookie alone.
    await page.reload();
    await page.getByTestId('staff-page').waitFor();
    await assertNoReadableToken(w, 'zt_staff_refresh');
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    assert.equal(await w.refreshCookie('zt_staff_refresh'), null, 'logout clears the cookie');

    assert.deepEqual(violations, [], 'CSP violations');
    w.assertClean();
  });
  await context.close();
});

test('a page on another origin cannot frame the console or the H5 app', async () => {
  const port = await freePort();
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>other site</title><iframe id="console" src="${z.url('/console/')}"></iframe>` +
      `<iframe id="h5" src="${z.url('/')}"></iframe>`);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const context = await browser.newContext(desk);
  try {
    const page = await context.newPage();
    const messages = [];
    page.on('console', (m) => messages.push(m.text()));
    await page.goto(`http://127.0.0.1:${port}/`);
    // Chromium refuses both frames and says why in the embedding page's console.
    await eventually(() => messages.filter((m) => /frame-ancestors 'none'/.test(m)).length >= 2, 10000);
    for (const id of ['console', 'h5']) {
      const frame = await (await page.$(`#${id}`)).contentFrame();
      let text = '';
      let app = 0;
      try {
        text = await frame.evaluate(() => document.body?.innerText ?? '');
        app = await frame.evaluate(() => document.querySelectorAll('#app, [data-test]').length);
      } catch {
        /* an error page that cannot be read: nothing of the app either */
      }
      assert.doesNotMatch(text, /中台/, `${id}: the app rendered inside the frame`);
      assert.equal(app, 0, `${id}: the app's markup inside the frame`);
    }
    await page.screenshot({ path: `${dir}/framed.png` });
  } finally {
    await context.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
