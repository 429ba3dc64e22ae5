// The H5 customer app in a real browser at 390 × 844: a new customer signs up with the code from the
// sandbox outbox (read through the API with a sandbox.manage staff token, as the console's 沙箱短信
// page does), sets a password (a weak one refused with the server's message), logs out, logs in
// with the password, revokes another session; a reused refresh cookie signs the customer out in
// every tab; two tabs refreshing at once take turns. The access token lives in the page's memory,
// the refresh token in an HttpOnly cookie (zt_refresh) the tests read from the browser's jar.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Zhongtai, api, eventually, outDir, refreshWithCookie, rememberSecret } from '../lib/platform.mjs';
import { Watched, launch } from '../lib/browser.mjs';
import { agreeToTerms } from '../lib/h5.mjs';

const mobile = '13812345678';
const masked = '138****5678';
const password = 'Harbour2026sun';
rememberSecret(password);
rememberSecret('onlyletters');
let z;
let browser;
let staff; // reads the sandbox outbox
const dir = outDir('h5');

before(async () => {
  z = await Zhongtai.start({ env: { ZT_AUTH__RESEND_COOLDOWN: '1s' }, name: 'h5', staffKey: true });
  staff = z.staffToken(['sandbox.manage']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  const code = await z?.stop();
  assert.equal(code, 0, `zhongtai exited with ${code}: ${z?.log().slice(-3000)}`);
});

const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };

// Signed in by the app itself, with the password the first test set.
async function signInWithPassword(w) {
  await w.page.goto(z.url('/login'));
  await w.page.getByText('密码登录', { exact: true }).click();
  await w.input('mobile').fill(mobile);
  await w.input('password').fill(password);
  await agreeToTerms(w);
  await w.page.getByTestId('submit').click();
  await w.page.getByTestId('me').waitFor();
}

// The newest code sent to the number, from the sandbox outbox (staff only: a code signs in).
async function codeFromOutbox() {
  const box = await api(z, 'GET', `/api/notify/v1/outbox?channel=sms&recipient=${mobile}&limit=1`, undefined, staff);
  assert.equal(box.status, 200, JSON.stringify(box.body));
  const code = JSON.stringify(box.body).match(/验证码(?:为)?(\d{6})/)?.[1];
  assert.ok(code, `a code in the outbox: ${JSON.stringify(box.body)}`);
  rememberSecret(code);
  return code;
}

test('a new customer signs up, sets a password, signs in with it and revokes another session', async () => {
  const context = await browser.newContext(phone);
  const w = await Watched.open(context, dir, 'customer');
  await w.page.goto(z.url('/'));
  await w.page.getByTestId('home').waitFor();
  await w.page.getByTestId('sandbox-banner').waitFor();
  assert.match(await w.page.getByTestId('sandbox-banner').innerText(), /沙箱环境.*登录验证码直接显示在登录页/s);
  assert.equal(await w.page.locator('a[href*="outbox"]').count(), 0, 'no outbox link: the codes are for staff');
  assert.equal((await api(z, 'GET', '/api/notify/v1/outbox?limit=1')).status, 401, 'the outbox is not anonymous');
  await w.page.getByTestId('area-mall').waitFor(); // the business areas that run: the mall
  await w.assertFits();
  await w.shot('home');

  // Sign-up by SMS code: ask, read it in the outbox (as staff would in the console), enter it.
  await w.page.getByTestId('go-login').click();
  // The number takes digits only: letters typed or pasted are dropped.
  await w.input('mobile').fill('138a0-0b1');
  assert.equal(await w.input('mobile').inputValue(), '138001');
  await w.input('mobile').fill(mobile);
  // The page's clock held still from here to the reload below: the countdown it keeps is then
  // whatever the cooldown was (1 s in this run), however slow the machine.
  // (Paused a minute ahead: however long install took, the pause is never in the page's past.)
  await w.page.clock.install();
  await w.page.clock.pauseAt(Date.now() + 60_000);
  await w.page.getByTestId('send-code').click();
  await w.page.getByTestId('hint').waitFor();
  assert.match(await w.page.getByTestId('hint').innerText(), new RegExp(`已发送至 ${masked.replace(/\*/g, '\\*')}`));
  await w.assertFits();
  await w.shot('code-sent');
  // Leaving the page to read the code elsewhere (a reload here) keeps the number and the resend
  // countdown; the code field starts empty.
  await w.page.reload();
  await w.input('mobile').waitFor();
  assert.equal(await w.input('mobile').inputValue(), mobile);
  assert.match(await w.page.getByTestId('send-code').innerText(), /^1秒后重发$/);
  await w.page.clock.resume();
  const code = await codeFromOutbox();
  assert.ok(!(await w.page.content()).includes(code), 'the app never shows the code');
  await w.input('code').fill(code);
  // The user agreement and the privacy policy: never ticked in advance; signing in without them
  // asks, and "不同意" signs nobody in. Each opens over the form, which stays as it was.
  assert.equal(await w.page.getByTestId('agree').getAttribute('aria-checked'), 'false');
  await w.page.getByTestId('submit').click();
  const ask = w.page.locator('.van-dialog');
  await ask.waitFor();
  assert.match(await ask.innerText(), /请阅读并同意《用户服务协议》和《隐私政策》后登录/);
  await w.shot('agreements-asked');
  await ask.getByRole('button', { name: '不同意' }).click();
  await ask.waitFor({ state: 'hidden' });
  assert.equal(await w.page.getByTestId('login').count(), 1, 'not signed in');
  await w.page.getByTestId('open-privacy').click();
  await w.page.getByTestId('agreement-privacy').waitFor();
  assert.match(await w.page.getByTestId('agreement-privacy').innerText(), /《隐私政策》[\s\S]*版本 \d{4}-\d{2}[\s\S]*敏感个人信息加密存储/);
  await w.assertFits();
  await w.shot('agreement-privacy');
  await w.page.getByTestId('agreement-close').click();
  await w.page.getByTestId('agreement-privacy').waitFor({ state: 'hidden' });
  assert.equal(await w.input('code').inputValue(), code, 'the form kept');
  await agreeToTerms(w);
  await w.page.getByTestId('submit').click();
  await w.page.getByTestId('me').waitFor();
  await w.page.getByTestId('masked-mobile').waitFor();
  // Recorded by the auth service: "我的" lists each version accepted, with when.
  await w.page.getByTestId('consent-privacy').waitFor();
  assert.match(await w.page.getByTestId('consent-privacy').innerText(), /《隐私政策》[\s\S]*\d{4}-\d{2}版 · .* 同意/);
  assert.match(await w.page.getByTestId('consent-terms').innerText(), /《用户服务协议》/);
  assert.match(await w.page.getByTestId('masked-mobile').innerText(), new RegExp(masked.replace(/\*/g, '\\*')));
  assert.ok(!(await w.page.content()).includes(mobile), 'the full number is never shown');
  await w.assertFits();
  await w.shot('signed-up');

  // A password: it needs a code from the customer's own phone; a weak one is refused with the
  // server's message; then a good one.
  await w.page.getByTestId('password-cell').click();
  await new Promise((r) => setTimeout(r, 1100)); // one code a second to a number (the suite's cooldown)
  await w.page.getByTestId('send-password-code').click();
  await eventually(async () => {
    const box = await api(z, 'GET', `/api/notify/v1/outbox?channel=sms&recipient=${mobile}&limit=1`, undefined, staff);
    return JSON.stringify(box.body).includes('设置登录密码');
  });
  // The outbox may hold the message before the page has read the server's answer: wait for it.
  const sentTo = /已发送至\d{3}\*{4}\d{4}/;
  await eventually(async () => sentTo.test(await w.input('password-code').getAttribute('placeholder')));
  assert.match(await w.input('password-code').getAttribute('placeholder'), sentTo);
  await w.input('password-code').fill(await codeFromOutbox());
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

  // Log out (asked first: cancelling stays signed in), then in with the password.
  await w.page.getByTestId('logout').click();
  await w.page.locator('.van-dialog').getByText('确定退出当前账户吗？').waitFor();
  await w.page.locator('.van-dialog').getByRole('button', { name: '取消' }).click();
  await w.page.locator('.van-dialog').waitFor({ state: 'hidden' });
  assert.equal(await w.page.getByTestId('me').count(), 1, 'still signed in');
  await w.page.getByTestId('logout').click();
  await w.page.locator('.van-dialog').getByRole('button', { name: '退出' }).click();
  await w.page.getByTestId('login').waitFor();
  await w.page.getByText('密码登录', { exact: true }).click();
  await w.input('mobile').fill(mobile);
  await w.input('password').fill(password);
  await agreeToTerms(w);
  await w.page.getByTestId('submit').click();
  await w.page.getByTestId('me').waitFor();
  await w.shot('password-sign-in');

  // Another device signs in (by code, outside this browser); this one ends it.
  const again = await api(z, 'POST', '/api/auth/v1/sms-codes', { mobile });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  const otherCode = await codeFromOutbox();
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
  await context.close();
});

test('a reused refresh cookie signs the customer out in every tab', async () => {
  const context = await browser.newContext(phone);
  const a = await Watched.open(context, dir, 'reuse-a');
  await signInWithPassword(a);
  const b = await Watched.open(context, dir, 'reuse-b');
  await b.page.goto(z.url('/me'));
  await b.page.getByTestId('me').waitFor();

  // Someone else holds a copy of the refresh cookie and uses it first: the app's next refresh
  // presents a used token, and the server ends the session.
  const held = await a.refreshCookie('zt_refresh');
  assert.ok(held?.httpOnly, 'the refresh cookie is HttpOnly');
  const stolen = await refreshWithCookie(z, 'customer', held.value);
  assert.equal(stolen.status, 200, JSON.stringify(stolen.body));
  assert.ok(stolen.cookie, 'the stolen copy was rotated');
  // A reload drops the access token (memory only): the page refreshes with the used cookie.
  a.expectRefusal(401, '/api/auth/v1/tokens/refresh');
  await a.page.reload();
  await a.page.getByText('检测到登录凭证被重复使用').waitFor();
  await a.shot('reuse-detected');
  await a.page.getByRole('button', { name: '知道了' }).click();
  await a.page.getByTestId('login').waitFor();
  // The other tab was told and left too; the stolen copy is dead as well.
  await b.page.getByTestId('login').waitFor();
  await b.shot('other-tab-signed-out');
  assert.equal(await b.page.evaluate(() => localStorage.getItem('zt.h5.signed-in')), null);
  const dead = await refreshWithCookie(z, 'customer', stolen.cookie);
  assert.equal(dead.status, 401);
  a.assertClean();
  b.assertClean();
  await context.close();
});

test('two tabs refreshing at the same moment stay signed in (they take turns)', async () => {
  const context = await browser.newContext(phone);
  const a = await Watched.open(context, dir, 'turns-a');
  await signInWithPassword(a);
  const b = await Watched.open(context, dir, 'turns-b');
  await b.page.goto(z.url('/me'));
  await b.page.getByTestId('me').waitFor();
  const first = (await a.refreshCookie('zt_refresh')).value;
  // Both tabs load without an access token and refresh at once, several times over: one presents
  // the cookie, the other waits its turn and takes the first's token (or presents the rotated
  // cookie) — presenting the same one twice would end the session.
  for (let round = 0; round < 3; round++) {
    await Promise.all([a.page.reload(), b.page.reload()]);
    for (const t of [a, b]) {
      await t.page.getByTestId('masked-mobile').waitFor();
      assert.equal(await t.page.getByText('已退出登录').count(), 0);
    }
  }
  const last = (await a.refreshCookie('zt_refresh')).value;
  assert.notEqual(last, first, 'refreshed');
  const still = await refreshWithCookie(z, 'customer', last);
  assert.equal(still.status, 200, `the session lives: ${JSON.stringify(still.body)}`);
  await a.shot('both-tabs');
  a.assertClean();
  b.assertClean();
  await context.close();
});
