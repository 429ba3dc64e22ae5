// The observer's console pages in a real browser at 1440 × 900 (issue 19), against the whole
// platform in one process: the service dashboard with its two pictures (response-time percentiles
// over time, calls per minute per service) and the topology; an error answer's trace id opens its
// trace — the waterfall across the gateway and the calendar, a span's attributes, the trace's log
// lines — and the log search finds the same lines and links back to the trace; a staff member adds
// a webhook channel and a rule in the rule editor, tries it against the stored minutes and
// publishes it; the rule fires on the traffic and its notice, delivered to the webhook, is in the
// alert history. Screenshots of each under build/<preset>/e2e/observer/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Zhongtai, api, eventually, firstAdmin, outDir, tempDir } from '../lib/platform.mjs';
import { Watched, launch, signInFirstAdmin } from '../lib/browser.mjs';

let z;
let admin;
let browser;
let hook;
const hooks = [];
const dir = outDir('observer');

before(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ path: req.url, body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const root = tempDir('zt-e2e-observer-');
  admin = firstAdmin(root);
  z = await Zhongtai.start({ dataDir: root, name: 'observer', staffKey: true, env: {
    ZT_TRACING__FLUSH_INTERVAL: '200ms', ZT_TRACING__RESOURCES_INTERVAL: '1s', ZT_OBSERVER__FLUSH_INTERVAL: '500ms', ZT_OBSERVER__ALERT_INTERVAL: '1s', ZT_OBSERVER__ALERT_SETTLE: '2s',
    ZT_OBSERVER__ALERT_WEBHOOK_HOSTS: '127.0.0.1',
  } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  hook?.close();
  const code = await z?.stop();
  assert.equal(code, 0, `zhongtai exited with ${code}: ${z?.log().slice(-3000)}`);
});

// Calendar traffic through the gateway: `n` good answers and one refusal (its trace id returned).
async function traffic(n) {
  for (let i = 0; i < n; i++) assert.equal((await api(z, 'GET', '/api/calendar/v1/days/2026-12-07')).status, 200);
  const refused = await api(z, 'GET', '/api/calendar/v1/years/1980');
  assert.equal(refused.status, 400);
  return refused.body.trace_id;
}

test('staff read the dashboards, follow a trace to its logs and back, and route an alert rule that fires', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const w = await Watched.open(context, dir, 'staff');
  const page = w.page;
  const traceId = await traffic(12);
  assert.match(traceId, /^[0-9a-f]{32}$/);

  // The first admin signs in (password + TOTP) and sets a password of their own.
  await signInFirstAdmin(w, z, admin);

  // 服务监控: the calendar among the services, both pictures drawn, the gateway → calendar edge.
  await page.getByTestId('nav-observer').click();
  await page.getByTestId('observer-page').waitFor();
  await eventually(async () => {
    await page.getByTestId('observer-refresh').click();
    return (await page.getByTestId('service-calendar').count()) === 1;
  }, 20000, 1000);
  await page.getByTestId('service-calendar').click();
  // Drawn (a line, or a dot while there is one minute of data).
  await page.getByTestId('chart-percentiles').locator('path[stroke-width="2"]').first().waitFor({ state: 'attached' });
  assert.ok(await page.getByTestId('chart-cpm').locator('path[stroke-width="2"]').count() >= 2, 'a line per service');
  await page.getByTestId('topology').getByTestId('node-calendar').waitFor();
  await page.getByTestId('topology').getByTestId('edge-gateway-calendar').waitFor();
  await page.getByTestId('observer-endpoints').getByText('GET /api/calendar/v1/days/{date}').waitFor();
  // The calendar's instance (this process) with its resources: CPU, memory and the rest.
  await eventually(async () => {
    await page.getByTestId('observer-refresh').click();
    return (await page.getByTestId('observer-resources').locator('tbody tr').count()) === 1
      && /\d+\.\d{2}/.test(await page.getByTestId('observer-resources').locator('tbody tr td').nth(1).innerText());
  }, 20000, 1000);
  const resourceRow = await page.getByTestId('observer-resources').locator('tbody tr').innerText();
  assert.match(resourceRow, /MiB/, resourceRow);
  assert.match(resourceRow, /\d+ \/ \d+/, `open files and their limit: ${resourceRow}`);
  await page.getByTestId('chart-memory').locator('path[stroke-width="2"]').first().waitFor({ state: 'attached' });
  await w.assertFits();
  await w.assertTranslated('服务监控');
  await w.shot('dashboard');

  // 调用链: the refusal's trace by its id — the gateway's span and the calendar's under it, its
  // attributes, and the lines the processes wrote in it.
  await page.getByTestId('nav-traces').click();
  await page.getByTestId('traces-page').waitFor();
  await w.input('trace-id').fill(traceId);
  await page.getByTestId('trace-open').click();
  await page.getByTestId('trace-view').waitFor();
  await eventually(async () => (await page.getByTestId('span-calendar-server').count()) >= 1, 10000);
  await page.getByTestId('span-gateway-server').waitFor();
  await page.getByTestId('span-calendar-server').click();
  await page.getByTestId('span-attributes').getByText('http.route').waitFor();
  await page.getByTestId('trace-log-lines').getByText('GET /api/calendar/v1/years/{year} 400').first().waitFor();
  await w.assertFits();
  await w.assertTranslated('调用链');
  await w.shot('trace-view');

  // 日志查询: the same trace's lines, each linking back to the trace.
  await page.getByTestId('trace-logs').click();
  await page.getByTestId('logs-page').waitFor();
  assert.equal(await w.input('log-trace').inputValue(), traceId);
  await page.getByTestId('log-rows').getByText('GET /api/calendar/v1/years/{year} 400').first().waitFor();
  await w.assertFits();
  await w.assertTranslated('日志查询');
  await w.shot('log-search');
  await page.getByTestId(`log-trace-${traceId}`).first().click();
  await page.getByTestId('trace-view').waitFor();
  assert.match(page.url(), new RegExp(`/console/traces/${traceId}$`));

  // 告警: the shipped rules; a webhook channel and a rule for the calendar, tried, then published.
  await page.getByTestId('nav-alerts').click();
  await page.getByTestId('alerts-page').waitFor();
  await page.getByRole('tab', { name: '告警规则' }).click();
  await page.getByTestId('rules-source').getByText('内置默认规则').waitFor();
  assert.equal(await page.getByTestId('alert-rules').locator('tbody tr').count(), 7);
  await page.getByTestId('channel-add').click();
  await w.input('channel-name-0').fill('运维群');
  await page.getByTestId('channel-type-0').click();
  await page.locator('.el-select-dropdown__item').getByText('Webhook 回调').click();
  await w.input('channel-to-0').fill(`http://127.0.0.1:${hook.address().port}/zhongtai`);
  await page.getByTestId('rule-add').click();
  await page.getByTestId('rule-dialog').waitFor();
  await w.input('rule-id').fill('calendar_busy');
  await w.input('rule-title').fill('日历服务调用量提醒');
  await w.input('rule-service').fill('calendar');
  await page.getByTestId('rule-metric').click();
  await page.locator('.el-select-dropdown__item:visible').getByText('每分钟调用数').click();
  await w.input('rule-threshold').fill('5');
  await w.input('rule-threshold').press('Tab');
  await w.input('rule-count').fill('1');
  await w.input('rule-count').press('Tab');
  await page.getByTestId('rule-channels').click();
  await page.locator('.el-select-dropdown__item:visible').getByText('运维群').click();
  await w.input('rule-title').click(); // closes the list (Escape would close the dialog)
  await w.assertTranslated('规则编辑');
  await w.shot('rule-editor');
  await page.getByTestId('rule-keep').click();
  await page.getByTestId('rule-try-calendar_busy').click();
  await page.getByTestId('trial-summary').waitFor();
  // The calendar's stored minutes judged by the unpublished rule: a count of notices, or none.
  assert.match(await page.getByTestId('trial-summary').innerText(), /^(将产生 \d+ 条通知|这段时间内不会产生通知)/);
  await w.shot('rule-trial');
  await page.keyboard.press('Escape');
  await page.getByTestId('rules-publish').click();
  await w.input('publish-comment').fill('日历服务调用量提醒');
  await page.getByTestId('publish-confirm').click();
  await page.getByTestId('rules-source').getByText('配置中心版本 1').waitFor();
  assert.equal(await page.getByTestId('alert-rules').locator('tbody tr').count(), 8);
  await w.assertFits();
  await w.shot('alert-rules');
  const published = await api(z, 'GET', '/api/observer/v1/alert-rules', undefined, z.staffToken(['governance.read']));
  const rule = published.body.rules.find((r) => r.id === 'calendar_busy');
  assert.deepEqual([rule.scope, rule.service, rule.metric, rule.threshold, rule.count, rule.channels], ['service', 'calendar', 'cpm', 5, 1, ['运维群']]);

  // Traffic in a minute of its own fires the rule once that minute is judged; its notice reaches
  // the webhook and the history says so.
  while (Date.now() % 60000 > 45000) await new Promise((r) => setTimeout(r, 500));
  await traffic(8);
  await eventually(() => hooks.some((h) => h.body.rule_id === 'calendar_busy' && h.body.kind === 'firing'), 90000, 1000);
  const fired = hooks.find((h) => h.body.rule_id === 'calendar_busy');
  assert.equal(fired.path, '/zhongtai');
  assert.match(fired.body.text, /^告警 日历服务调用量提醒：服务 calendar 每分钟调用数/);
  await page.getByRole('tab', { name: '告警历史' }).click();
  await eventually(async () => {
    await page.getByTestId('history-refresh').click();
    return (await page.getByTestId('alerts-history').getByText('运维群（Webhook 回调）已发送').count()) >= 1;
  }, 20000, 1000);
  await w.assertFits();
  await w.assertTranslated('告警历史');
  await w.shot('alert-history');
  await page.getByRole('tab', { name: '当前告警' }).click();
  await w.shot('alerts-firing');

  assert.deepEqual(w.errors, [], 'no page errors, no unexpected refusals');
  await context.close();
});
