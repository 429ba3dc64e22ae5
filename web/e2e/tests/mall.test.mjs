// The financial mall in a real browser at 390 × 844: a new customer signs up, opens a sandbox fund
// account, answers the questionnaire (C3), buys an R3 fund, tries an R4 fund — reads and signs the
// special risk warning, buys — and after the next trading day's confirmation (run through the
// sandbox administration) finds the shares in the holdings. Products, NAVs and the business clock
// are set up through the staff API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Platform, Zhongtai, api, eventually, outDir, rememberSecret } from '../lib/platform.mjs';
import { Watched, launch } from '../lib/browser.mjs';
import { agreeToTerms, openAccountAndAssessC3 } from '../lib/h5.mjs';

// Run by CTest in both layouts: e2e.mall (one process) and e2e.mall.split (ZT_E2E_MODE=split).
const mode = process.env.ZT_E2E_MODE ?? 'all';
const mobile = '13876543210';
let z;
let browser;
let staff;
const dir = outDir(mode === 'split' ? 'mall-split' : 'mall');
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };

async function ok(method, path, body) {
  const r = await api(z, method, path, body, staff);
  assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

// Pins the business clock and waits until every process has it (in the split layout each
// acknowledges the version it applied).
async function pinClock(instant) {
  const item = '/api/registry/v1/configs/public/zhongtai/sandbox.yaml';
  const { version } = await ok('PUT', item, { content: `sandbox.clock: "${instant}"\n`, format: 'yaml', author: 'e2e', comment: 'e2e clock' });
  const shown = `${instant.slice(0, 10)} ${instant.slice(11, 19)}`;
  await eventually(async () => (await api(z, 'GET', '/api/gateway/v1/features')).body.sandbox_clock === shown, 15000);
  await eventually(async () => {
    const acks = (await api(z, 'GET', `${item}/acks`, undefined, staff)).body.items ?? [];
    return acks.filter((a) => a.version === version && a.applied).length >= z.followers;
  }, 20000);
}

function fund(code, name, risk) {
  return {
    code, name, category: 'public_fund', risk, issuer: '沙箱基金管理有限公司', sale_start: '2026-01-05', min_first: '1000.00',
    min_additional: '100.00', increment: '0.01', audience: 'public', description: `${name}：浏览器测试用基金`,
    fees: { subscription: [{ from: '0', rate: '0.015' }], redemption: [{ min_days: 0, rate: '0.015' }, { min_days: 7, rate: '0.005' }] },
  };
}

before(async () => {
  const env = { ZT_AUTH__RESEND_COOLDOWN: '1s', ZT_MALL__CONFIRM_INTERVAL: '1h' };
  z = mode === 'split' ? await Platform.start({ mode, env, name: 'mall-split', staffKey: true })
    : await Zhongtai.start({ env, name: 'mall', staffKey: true });
  staff = z.staffToken(['products.manage', 'sandbox.manage', 'orders.read', 'governance.read', 'governance.write']);
  browser = await launch();
  await pinClock('2026-03-02T10:00:00+08:00');
  for (const [code, name, risk] of [['F20003', '稳健回报混合', 3], ['F20004', '进取成长股票', 4]]) {
    await ok('POST', '/api/mall/v1/admin/products', fund(code, name, risk));
    for (const [date, nav] of [['2026-02-24', '0.9950'], ['2026-02-25', '1.0010'], ['2026-02-26', '0.9980'], ['2026-02-27', '1.0000']])
      await ok('PUT', `/api/mall/v1/admin/products/${code}/navs/${date}`, { nav });
    await ok('POST', `/api/mall/v1/admin/products/${code}/status`, { status: 'published', comment: '上架' });
  }
});
after(async () => {
  await browser?.close();
  const code = await z?.stop();
  assert.equal(code, 0, `zhongtai exited with ${code}: ${z?.log().slice(-3000)}`);
});

test('a new customer is assessed C3, buys an R3 fund, signs the warning for an R4 one and holds both after T+1', async () => {
  const context = await browser.newContext(phone);
  const w = await Watched.open(context, dir, 'customer');
  await w.page.goto(z.url('/'));
  await w.page.getByTestId('area-mall').waitFor();
  await w.page.getByTestId('sandbox-clock').waitFor();

  // Sign up by SMS code (read from the sandbox outbox: staff with sandbox.manage only).
  await w.page.goto(z.url('/login?redirect=/mall'));
  await w.input('mobile').fill(mobile);
  await w.page.getByTestId('send-code').click();
  await w.page.getByTestId('hint').waitFor();
  const box = await api(z, 'GET', `/api/notify/v1/outbox?channel=sms&recipient=${mobile}&limit=1`, undefined, staff);
  const code = JSON.stringify(box.body).match(/验证码为(\d{6})/)?.[1];
  assert.ok(code, 'a code in the outbox');
  rememberSecret(code);
  await w.input('code').fill(code);
  await agreeToTerms(w);
  await w.page.getByTestId('submit').click();
  await w.page.getByTestId('mall-page').waitFor();

  // A sandbox fund account, then the questionnaire: the second answer everywhere scores 49, C3.
  await openAccountAndAssessC3(w, true);

  // The catalogue: the R3 fund is promoted to a C3, the R4 fund is not.
  await w.page.getByTestId('mall-page').waitFor();
  await w.page.getByTestId('product-F20003').getByTestId('promoted').waitFor();
  assert.equal(await w.page.getByTestId('product-F20004').getByTestId('promoted').count(), 0, 'an R4 fund is not promoted to a C3');
  await w.assertFits();
  await w.shot('mall');

  // Buy the R3 fund: it matches.
  await w.page.getByTestId('product-F20003').click();
  await w.page.getByTestId('product-page').waitFor();
  await w.page.getByTestId('nav-chart').locator('canvas').waitFor();
  await w.assertFits();
  await w.shot('product');
  await w.page.getByTestId('go-buy').click();
  await w.page.getByTestId('match-allow').waitFor();
  await w.input('trade-value').fill('10000');
  await w.page.getByTestId('trade-submit').click();
  await w.page.getByTestId('trade-done').waitFor();
  assert.equal((await w.page.getByTestId('trade-date').innerText()).match(/\d{4}-\d{2}-\d{2}/)?.[0], '2026-03-02');
  await w.shot('bought-r3');

  // The R4 fund: warned; the warning is read and signed, then it is bought.
  await w.page.goto(z.url('/mall/trade/F20004?side=subscribe'));
  await w.page.getByTestId('match-warn').waitFor();
  await w.input('trade-value').fill('5000');
  await w.page.getByTestId('trade-submit').click();
  await w.page.getByTestId('warning-text').waitFor();
  assert.match(await w.page.getByTestId('warning-text').innerText(), /风险等级为R4（中高风险），高于您的风险承受能力/);
  await w.shot('risk-warning');
  await w.page.getByRole('button', { name: '我已阅读并签署' }).click();
  await w.page.getByTestId('trade-done').waitFor();
  await w.shot('bought-r4');

  // Right after buying, the holdings show both purchases on their way, with the cash they froze.
  await w.page.goto(z.url('/mall/holdings'));
  await w.page.getByTestId('on-their-way').waitFor();
  const onItsWay = await w.page.getByTestId('pending-F20003').innerText();
  assert.match(onItsWay, /申购 10,000\.00 元/);
  assert.match(onItsWay, /预计 2026-03-03 确认/);
  assert.match(await w.page.getByTestId('pending-F20004').innerText(), /申购 5,000\.00 元/);
  assert.match(await w.page.getByTestId('holdings-frozen-cash').innerText(), /15,000\.00 元/);
  await w.assertFits();
  await w.shot('holdings-pending');

  // The next trading day: NAVs in, the confirmation run through the sandbox administration.
  for (const [code, nav] of [['F20003', '1.0123'], ['F20004', '1.2500']]) await ok('PUT', `/api/mall/v1/admin/products/${code}/navs/2026-03-02`, { nav });
  await pinClock('2026-03-03T09:30:00+08:00');
  const run = await ok('POST', '/api/mall/v1/admin/confirmations');
  assert.equal(run.confirmed, 2, JSON.stringify(run));

  await w.page.goto(z.url('/mall/holdings'));
  await w.page.getByTestId('holding-F20003').waitFor();
  assert.equal(await w.page.getByTestId('on-their-way').count(), 0, 'nothing on its way once confirmed');
  // 10000 at 1.5 %: net 9852.22 at 1.0123 -> 9732.51 shares; 5000: net 4926.11 at 1.2500 -> 3940.89.
  assert.match(await w.page.getByTestId('holding-F20003').getByTestId('holding-shares').innerText(), /9732\.51/);
  assert.match(await w.page.getByTestId('holding-F20004').getByTestId('holding-shares').innerText(), /3940\.89/);
  await w.assertFits();
  await w.shot('holdings');

  // Redeeming shows what can be redeemed and offers it all.
  await w.page.goto(z.url('/mall/trade/F20003?side=redeem'));
  await w.page.getByTestId('redeemable-shares').waitFor();
  assert.match(await w.page.getByTestId('redeemable-shares').innerText(), /9732\.51 份/);
  await w.page.getByTestId('redeem-all').click();
  assert.equal(await w.input('trade-value').inputValue(), '9732.51');
  await w.input('trade-value').fill('9732.52');
  await w.page.getByText('超过可赎回份额').waitFor();
  assert.ok(await w.page.getByTestId('trade-submit').isDisabled());
  await w.shot('redeem');
  // An order the counter refuses (more than the cash; an API client, as the app checks it first)
  // stays in the list as 未受理 with the counter's reason and nothing frozen; a request the mall
  // refuses before sending (below the minimum) is no order.
  const tooMuch = await api(z, 'POST', '/api/mall/v1/orders', { product: 'F20003', side: 'subscribe', amount: '2000000.00' }, w.accessToken(),
    { 'idempotency-key': 'e2e-mall-too-much' });
  assert.equal(tooMuch.status, 409, JSON.stringify(tooMuch.body));
  assert.equal(tooMuch.body.code, 'MALL_INSUFFICIENT_CASH');
  const tooSmall = await api(z, 'POST', '/api/mall/v1/orders', { product: 'F20003', side: 'subscribe', amount: '10.00' }, w.accessToken(),
    { 'idempotency-key': 'e2e-mall-too-small' });
  assert.equal(tooSmall.body.code, 'MALL_AMOUNT_TOO_SMALL', JSON.stringify(tooSmall.body));
  await w.page.goto(z.url('/mall/orders'));
  await w.page.getByTestId('confirmed-shares').first().waitFor();
  const refusedOrder = w.page.locator('[data-test^="order-"]', { hasText: '2,000,000.00' });
  assert.equal(await refusedOrder.getByTestId('order-state').innerText(), '未受理');
  assert.match(await refusedOrder.getByTestId('refusal-reason').innerText(), /可用资金不足/);
  assert.match(await refusedOrder.getByTestId('refusal-note').innerText(), /资金未冻结，未扣款/);
  assert.equal(await w.page.locator('[data-test^="order-"]', { hasText: '10.00 元' }).count(), 0, 'a refused request is no order');
  await w.assertFits();
  await w.shot('orders');
  w.assertClean();
});
