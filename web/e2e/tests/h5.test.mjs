// The H5 customer app in a real browser at 375 px: a new customer signs up with the code from the
// sandbox outbox (read through the app's developer link), sets a password (a weak one refused
// with the server's message), logs out, logs in with the password, revokes another session; a
// reused refresh token signs the customer out in every tab.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Zhongtai, api, eventually, outDir, rememberSecret } from '../lib/platform.mjs';
import { Watched, launch } from '../lib/browser.mjs';

const mobile = '13812345678';
const masked = '138****5678';
const password = 'Harbour2026sun';
rememberSecret(password);
rememberSecret('onlyletters');
let z;
let browser;
const dir = outDir('h5');

before(async () => {
  z = await Zhongtai.start({ env: { ZT_AUTH__RESEND_COOLDOWN: '1s' }, name: 'h5' });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  const code = await z?.stop();
  assert.equal(code, 0, `zhongtai exited with ${code}: ${z?.log().slice(-3000)}`);
});

const phone = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };

// Signed in by the app itself, with the password the first test set.
async function signInWithPassword(w) {
  await w.page.goto(z.url('/login'));
  await w.page.getByText('密码登录', { exact: true }).click();
  await w.input('mobile').fill(mobile);
  await w.input('password').fill(password);
  await w.page.getByTestId('submit').click();
  await w.page.getByTestId('me').waitFor();
}

async function codeFromOutbox(w) {
  // The developer link in the sandbox banner opens the outbox; the newest message is ours.
  await w.page.goto(z.url('/dev/outbox'));
  await w.input('outbox-recipient').fill(mobile);
  await w.page.getByTestId('outbox-search').click();
  const text = await w.page.getByTestId('outbox-item').first().innerText();
  const code = text.match(/验证码为(\d{6})/)?.[1];
  assert.ok(code, `a code in the outbox: ${text}`);
  rememberSecret(code);
  return code;
}

test('a new customer signs up, sets a password, signs in with it and revokes another session', async () => {
  const context = await browser.newContext(phone);
  const w = await Watched.open(context, dir, 'customer');
  await w.page.goto(z.url('/'));
  await w.page.getByTestId('home').waitFor();
  await w.page.getByTestId('sandbox-banner').waitFor();
  assert.match(await w.page.getByTestId('sandbox-banner').innerText(), /沙箱环境/);
  await w.page.getByTestId('area-mall').waitFor(); // the business areas that run: the mall
  await w.assertFits();
  await w.shot('home');

  // Sign-up by SMS code: ask, read it in the outbox (a second tab, as a developer would), enter it.
  await w.page.getByTestId('go-login').click();
  await w.input('mobile').fill(mobile);
  await w.page.getByTestId('send-code').click();
  await w.page.getByTestId('hint').waitFor();
  assert.match(await w.page.getByTestId('hint').innerText(), new RegExp(`已发送至 ${masked.replace(/\*/g, '\\*')}`));
  await w.assertFits();
  await w.shot('code-sent');
  const outbox = await Watched.open(context, dir, 'outbox');
  const code = await codeFromOutbox(outbox);
  await outbox.shot('outbox');
  assert.ok(!(await w.page.content()).includes(code), 'the app never shows the code');
  await w.input('code').fill(code);
  await w.page.getByTestId('submit').click();
  await w.page.getByTestId('me').waitFor();
  await w.page.getByTestId('masked-mobile').waitFor();
  assert.match(await w.page.getByTestId('masked-mobile').innerText(), new RegExp(masked.replace(/\*/g, '\\*')));
  assert.ok(!(await w.page.content()).includes(mobile), 'the full number is never shown');
  await w.assertFits();
  await w.shot('signed-up');

  // A password: a weak one is refused with the server's message; then a good one.
  await w.page.getByTestId('password-cell').click();
  await w.input('new-password').fill('onlyletters');
  await w.input('confirm-password').fill('onlyletters');
  w.expectRefusal(400, '/api/auth/v1/me/password');
  await w.page.getByTestId('save-password').click();
  await w.page.getByTestId('error').waitFor();
  assert.match(await w.page.getByTestId('error').innerText(), /密码须同时包含字母和数字/);
  assert.match(await w.page.getByTestId('error-details').innerText(), /错误码 AUTH_PASSWORD_WEAK · 追踪号 [0-9a-f]{32}/);
  await w.shot('weak-password');
  await w.input('new-password').fill(password);
  await w.input('confirm-password').fill(password);
  await w.page.getByTestId('save-password').click();
  await w.page.getByTestId('me').waitFor();
  await eventually(async () => (await w.page.getByTestId('password-cell').innerText()).includes('已设置'));

  // Log out, then in with the password.
  await w.page.getByTestId('logout').click();
  await w.page.getByTestId('login').waitFor();
  await w.page.getByText('密码登录', { exact: true }).click();
  await w.input('mobile').fill(mobile);
  await w.input('password').fill(password);
  await w.page.getByTestId('submit').click();
  await w.page.getByTestId('me').waitFor();
  await w.shot('password-sign-in');

  // Another device signs in (by code, outside this browser); this one ends it.
  const again = await api(z, 'POST', '/api/auth/v1/sms-codes', { mobile });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  const box = await api(z, 'GET', `/api/notify/v1/outbox?recipient=${mobile}&limit=1`);
  const otherCode = JSON.stringify(box.body).match(/验证码为(\d{6})/)?.[1];
  const other = await api(z, 'POST', '/api/auth/v1/sessions', { mobile, code: otherCode, device: 'iPad · Safari' });
  assert.equal(other.status, 200, JSON.stringify(other.body));
  await w.page.reload();
  const row = w.page.getByTestId(`session-${other.body.session_id}`);
  await row.waitFor();
  assert.match(await row.innerText(), /iPad · Safari/);
  await w.page.getByTestId('current-session').waitFor();
  await w.shot('two-sessions');
  await row.getByTestId('end-session').click();
  await w.page.getByRole('button', { name: '确认' }).click();
  await row.waitFor({ state: 'detached' });
  const refused = await api(z, 'POST', '/api/auth/v1/tokens/refresh', { refresh_token: other.body.refresh_token });
  assert.equal(refused.status, 401, 'the revoked device cannot refresh');
  await w.shot('session-revoked');
  w.assertClean();
  outbox.assertClean();
  await context.close();
});

test('a reused refresh token signs the customer out in every tab', async () => {
  const context = await browser.newContext(phone);
  const a = await Watched.open(context, dir, 'reuse-a');
  await signInWithPassword(a);
  const b = await Watched.open(context, dir, 'reuse-b');
  await b.page.goto(z.url('/me'));
  await b.page.getByTestId('me').waitFor();

  // Someone else holds a copy of the refresh token and uses it first: the app's next refresh
  // presents a used token, and the server ends the session.
  const stored = JSON.parse(await a.page.evaluate(() => localStorage.getItem('zt.h5.session')));
  const stolen = await api(z, 'POST', '/api/auth/v1/tokens/refresh', { refresh_token: stored.refreshToken });
  assert.equal(stolen.status, 200);
  await a.expireAccessToken('h5');
  a.expectRefusal(401, '/api/auth/v1/tokens/refresh');
  await a.page.reload();
  await a.page.getByText('检测到登录凭证被重复使用').waitFor();
  await a.shot('reuse-detected');
  await a.page.getByRole('button', { name: '知道了' }).click();
  await a.page.getByTestId('login').waitFor();
  // The other tab was told and left too; the stolen copy is dead as well.
  await b.page.getByTestId('login').waitFor();
  await b.shot('other-tab-signed-out');
  assert.equal(await b.page.evaluate(() => localStorage.getItem('zt.h5.session')), null);
  const dead = await api(z, 'POST', '/api/auth/v1/tokens/refresh', { refresh_token: stolen.body.refresh_token });
  assert.equal(dead.status, 401);
  a.assertClean();
  b.assertClean();
  await context.close();
});

test('two tabs refreshing the token at the same moment stay signed in (they take turns)', async () => {
  const context = await browser.newContext(phone);
  const a = await Watched.open(context, dir, 'turns-a');
  await signInWithPassword(a);
  const b = await Watched.open(context, dir, 'turns-b');
  await b.page.goto(z.url('/me'));
  await b.page.getByTestId('me').waitFor();
  const before = JSON.parse(await a.page.evaluate(() => localStorage.getItem('zt.h5.session')));
  await a.expireAccessToken('h5');
  // Both tabs load with a stale token and refresh at once: one presents the refresh token, the
  // other waits for it and takes its result — presenting it twice would end the session.
  await Promise.all([a.page.reload(), b.page.reload()]);
  for (const t of [a, b]) {
    await t.page.getByTestId('masked-mobile').waitFor();
    assert.equal(await t.page.getByText('已退出登录').count(), 0);
  }
  const after = JSON.parse(await a.page.evaluate(() => localStorage.getItem('zt.h5.session')));
  assert.notEqual(after.refreshToken, before.refreshToken, 'refreshed');
  const still = await api(z, 'POST', '/api/auth/v1/tokens/refresh', { refresh_token: after.refreshToken });
  assert.equal(still.status, 200, `the session lives: ${JSON.stringify(still.body)}`);
  await a.shot('both-tabs');
  a.assertClean();
  b.assertClean();
  await context.close();
});
