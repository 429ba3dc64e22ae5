// What a new user meets following only the README, at 390 × 844: a fresh sandbox whose mall already
// sells the demo products (【演示】, one of each category), a sign-up whose code the sandbox shows on
// the sign-in page, a sandbox fund account, the questionnaire, and a first purchase — with no staff
// step in the console or through the API. The demo feed prices the products every trading day.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Zhongtai, api, eventually, outDir, rememberSecret } from '../lib/platform.mjs';
import { Watched, launch } from '../lib/browser.mjs';
import { agreeToTerms, openAccountAndAssessC3 } from '../lib/h5.mjs';

const mobile = '13988887777';
let z;
let browser;
const dir = outDir('first-purchase');
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };

before(async () => {
  // The sandbox as `make run` starts it, the business clock pinned to a Wednesday morning so the
  // test does not depend on today's date (the calendar's years).
  z = await Zhongtai.start({
    env: { ZT_MALL__DEMO_PRODUCTS: 'true', ZT_DYNAMIC__SANDBOX__CLOCK: '2026-03-04T10:00:00+08:00' },
    name: 'first-purchase',
    staffKey: true, // the reviewer's approval at the end, through the API
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  const code = await z?.stop();
  assert.equal(code, 0, `zhongtai exited with ${code}: ${z?.log().slice(-3000)}`);
});

test('a new user reaches a first purchase of a demo product from the app alone', async () => {
  const context = await browser.newContext(phone);
  const w = await Watched.open(context, dir, 'customer');

  // The mall before signing in: the demo products, labelled as sandbox data.
  await w.page.goto(z.url('/mall'));
  await w.page.getByTestId('mall-page').waitFor();
  await w.page.getByTestId('product-DEMO02').waitFor({ timeout: 20000 });
  for (const code of ['DEMO01', 'DEMO02', 'DEMO03'])
    assert.match(await w.page.getByTestId(`product-${code}`).innerText(), /【演示】/, code);
  await w.assertFits();
  await w.shot('demo-products');
  // Every other category has one too.
  for (const [category, code] of [['bank_wm', 'DEMO04'], ['income_certificate', 'DEMO05'], ['broker_am', 'DEMO06']]) {
    await w.page.goto(z.url(`/mall?category=${category}`));
    assert.match(await w.page.getByTestId(`product-${code}`).innerText(), /【演示】/, code);
  }

  // Sign up: the sandbox shows the code on the sign-in page.
  await w.page.goto(z.url('/login?redirect=/mall'));
  await w.input('mobile').fill(mobile);
  await w.page.getByTestId('send-code').click();
  await w.page.getByTestId('sandbox-code').waitFor();
  const code = (await w.page.getByTestId('sandbox-code-value').innerText()).trim();
  assert.match(code, /^\d{6}$/);
  rememberSecret(code);
  await w.shot('sandbox-code');
  await w.page.getByTestId('sandbox-code-fill').click();
  assert.equal(await w.input('code').inputValue(), code);
  await agreeToTerms(w);
  await w.page.getByTestId('submit').click();
  await w.page.getByTestId('mall-page').waitFor();

  // A sandbox fund account and the questionnaire (the second answer everywhere: C3).
  await openAccountAndAssessC3(w);

  // The first purchase: the R3 demo mixed fund, promoted to a C3, priced by the feed.
  await w.page.getByTestId('mall-page').waitFor();
  await w.page.getByTestId('product-DEMO02').getByTestId('promoted').waitFor();
  await w.page.getByTestId('product-DEMO02').click();
  await w.page.getByTestId('product-page').waitFor();
  await w.page.getByTestId('nav-chart').locator('canvas').waitFor();
  assert.match(await w.page.getByTestId('product-page').innerText(), /沙箱演示数据/);
  await w.page.waitForTimeout(1500);  // the chart's drawing animation, for the screenshot only
  await w.shot('demo-product');
  await w.page.getByTestId('go-buy').click();
  await w.page.getByTestId('match-allow').waitFor();
  assert.match(await w.page.getByTestId('available-cash').innerText(), /1,000,000\.00 元/);
  // A malformed amount says why instead of silently greying the button.
  await w.input('trade-value').fill('12.345');
  await w.page.getByText('请输入大于0的金额，最多两位小数').waitFor();
  assert.ok(await w.page.getByTestId('trade-submit').isDisabled());
  // 1,000.00 at 1.2 % 一折 (0.12 %): 1000 / 1.0012 = 998.80 net, fee 1.20, estimated as typed.
  await w.input('trade-value').fill('1000');
  await w.page.getByTestId('estimate-fee').waitFor();
  assert.match(await w.page.getByTestId('estimate-fee').innerText(), /1\.20 元（费率 0\.12%）/);
  assert.match(await w.page.getByTestId('estimate-shares').innerText(), /按 2026-03-03 净值/);
  await w.assertFits();
  await w.shot('buy-estimate');
  await w.page.getByTestId('trade-submit').click();
  await w.page.getByTestId('trade-done').waitFor();
  assert.equal((await w.page.getByTestId('trade-date').innerText()).match(/\d{4}-\d{2}-\d{2}/)?.[0], '2026-03-04');
  await w.assertFits();
  await w.shot('first-purchase');

  // Holdings at once: no shares before T+1, but the cash the purchase froze and what is left.
  await w.page.goto(z.url('/mall/holdings'));
  await w.page.getByTestId('holdings-frozen-cash').waitFor();
  assert.match(await w.page.getByTestId('holdings-frozen-cash').innerText(), /1,000\.00 元/);
  assert.match(await w.page.getByTestId('holdings-cash').innerText(), /999,000\.00 元/);
  await w.shot('holdings-pending');
  // The home page sums it up: all of the money (cash, frozen, no shares yet), the level, the order.
  await w.page.goto(z.url('/'));
  await w.page.getByTestId('summary').waitFor();
  assert.ok(await eventually(async () => (await w.page.getByTestId('summary-assets').innerText()).includes('1,000,000.00'), 10000),
    'total assets: 999,000.00 cash + 1,000.00 frozen');
  assert.match(await w.page.getByTestId('summary-risk').innerText(), /C3/);
  assert.match(await w.page.getByTestId('summary-pending').innerText(), /1 笔/);
  await w.assertFits();
  await w.shot('home-summary');

  // Private funds are shown to qualified investors only: the app says so and leads to the
  // application, where statements are uploaded (a photo is shrunk to a JPEG first).
  await w.page.goto(z.url('/mall?category=private_fund'));
  await w.page.getByTestId('qualified-only').waitFor();
  assert.equal(await w.page.getByTestId('product-DEMO08').count(), 0);
  await w.page.getByTestId('go-investor').click();
  await w.page.getByTestId('investor-page').waitFor();
  await w.page.getByText('合格投资者', { exact: true }).first().click();
  await w.input('assets').fill('3500000');
  await w.input('income').fill('0');
  await w.input('years').fill('3');
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
  await w.page.getByTestId('evidence-input').setInputFiles({ name: '资产证明.png', mimeType: 'image/png', buffer: png });
  await w.page.getByTestId('evidence-file').waitFor();
  assert.match(await w.page.getByTestId('evidence-file').innerText(), /资产证明\.png/);
  await w.assertFits();
  await w.shot('investor-application');
  await w.page.getByTestId('apply-submit').click();
  await w.page.getByTestId('qualified-only').waitFor();  // back where the customer came from
  await w.page.goto(z.url('/me/investor'));
  await w.page.locator('[data-test^="application-"]').first().waitFor();
  const application = w.page.locator('[data-test^="application-"]').first();
  assert.match(await application.innerText(), /合格投资者[\s\S]*审核中/);

  // Approved by a reviewer: the trust is shown, priced and estimated for this customer.
  const id = (await application.getAttribute('data-test')).replace('application-', '');
  const approved = await api(z, 'POST', `/api/suitability/v1/applications/${id}/decision`, { approve: true, comment: '资产证明齐全' },
    z.staffToken(['reviews.approve']));
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  await eventually(async () => {
    await w.page.goto(z.url('/mall?category=trust'));
    await w.page.getByTestId('mall-page').waitFor();
    return (await w.page.getByTestId('product-DEMO07').count()) === 1;
  }, 15000);
  await w.page.getByTestId('product-DEMO07').click();
  await w.page.getByTestId('nav-chart').locator('canvas').waitFor();
  await w.page.getByTestId('go-buy').click();
  await w.input('trade-value').fill('1000000');
  await w.page.getByTestId('estimate-fee').waitFor();
  assert.match(await w.page.getByTestId('estimate-fee').innerText(), /0\.00 元/);
  await w.shot('qualified-trust');

  // Nothing untranslated (issue 28): every page of the app, as this customer sees it.
  for (const route of ['/', '/mall', '/mall?category=trust', '/mall/products/DEMO02', '/mall/trade/DEMO02', '/mall/holdings', '/mall/orders',
    '/me', '/me/password', '/me/investor', '/risk', '/no-such-page']) {
    await w.page.goto(z.url(route));
    await w.page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
    await w.page.waitForTimeout(300);
    await w.assertTranslated(route);
  }
  w.assertClean();
});
