// Interop (issue 19): spans made by the OpenTelemetry JavaScript SDK and sent by its own OTLP/HTTP
// exporter (OTLP/JSON, what it sends by default; with an ingest token; through the gateway) are
// stored by the observer and shown — the trace by its id with each span's parent, kind, status,
// attributes and events, who sent it, and the service and its edge in the figures. Run by CTest in
// both layouts: e2e.otlp-sdk (one process) and e2e.otlp-sdk.split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Platform, Zhongtai, eventually, rememberSecret } from '../lib/platform.mjs';

const mode = process.env.ZT_E2E_MODE ?? 'all';
const token = 'e2e-sdk-ingest-token-0123456789abcdef';
rememberSecret(token);

test(`the OpenTelemetry JS SDK's spans reach the observer through the gateway and are shown (${mode})`, async () => {
  const env = { ZT_OBSERVER__INGEST_TOKENS: `js-sdk:${token}` };
  const z = mode === 'split'
    ? await Platform.start({ mode, env, staffKey: true, name: 'otlp-sdk-split' })
    : await Zhongtai.start({ env, staffKey: true, name: 'otlp-sdk' });
  try {
    const exporter = new OTLPTraceExporter({ url: z.url('/api/observer/v1/otlp/v1/traces'), headers: { 'x-ingest-token': token } });
    const provider = new BasicTracerProvider({
      resource: new Resource({ 'service.name': 'sdk-app', 'service.instance.id': 'sdk-app-1', 'service.version': '2.3.4' }),
    });
    provider.addSpanProcessor(new SimpleSpanProcessor(exporter));
    const tracer = provider.getTracer('zhongtai-e2e', '1.0.0');
    const root = tracer.startSpan('GET /api/sdk/v1/things/{id}', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/api/sdk/v1/things/{id}', 'http.response.status_code': 200 },
    });
    const child = tracer.startSpan('SELECT things', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.rows': 3 } },
      trace.setSpan(context.active(), root));
    child.addEvent('retry', { attempt: 2 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: '查询超时' });
    child.end();
    root.end();
    await provider.forceFlush();
    const traceId = root.spanContext().traceId;
    const staff = { authorization: `Bearer ${z.staffToken(['governance.read'])}` };

    let shown;
    await eventually(async () => {
      const r = await fetch(z.url(`/api/observer/v1/traces/${traceId}`), { headers: staff });
      shown = await r.json();
      return r.status === 200 && shown.spans.length === 2;
    }, 20000);
    // By id: the two may start within the same microsecond, so their order is not the test's.
    const first = shown.spans.find((s) => s.span_id === root.spanContext().spanId);
    const second = shown.spans.find((s) => s.span_id === child.spanContext().spanId);
    assert.ok(first && second, JSON.stringify(shown.spans));
    assert.equal(first.parent_span_id, '');
    assert.equal(first.name, 'GET /api/sdk/v1/things/{id}');
    assert.equal(first.kind, 'server');
    assert.equal(first.service, 'js-sdk:sdk-app', "an outside sender's services are kept apart under its token's name");
    assert.equal(first.instance, 'sdk-app-1');
    assert.equal(first.sender, 'token:js-sdk');
    assert.equal(first.attributes['http.response.status_code'], 200);
    assert.equal(second.parent_span_id, root.spanContext().spanId);
    assert.equal(second.kind, 'client');
    assert.equal(second.status, 'error');
    assert.equal(second.status_message, '查询超时');
    assert.equal(second.attributes['db.system'], 'postgresql');
    assert.equal(second.attributes['db.rows'], 3);
    assert.equal(second.events.length, 1);
    assert.equal(second.events[0].name, 'retry');
    assert.equal(second.events[0].attributes.attempt, 2);

    // Counted too: the service's endpoint (its method and route) and its edge to the database.
    const endpoints = await (await fetch(z.url('/api/observer/v1/services/js-sdk:sdk-app/endpoints'), { headers: staff })).json();
    assert.deepEqual(endpoints.items.map((e) => [e.endpoint, e.calls]), [['GET /api/sdk/v1/things/{id}', 1]]);
    const topology = await (await fetch(z.url('/api/observer/v1/topology'), { headers: staff })).json();
    const edge = topology.edges.find((e) => e.from === 'js-sdk:sdk-app' && e.to === 'postgresql');
    assert.ok(edge, JSON.stringify(topology.edges));
    assert.equal(edge.calls, 1);
    assert.equal(edge.errors, 1);
    assert.ok(topology.nodes.some((n) => n.name === 'postgresql' && n.kind === 'external'));

    // The exporter with another token: refused, nothing stored.
    const refused = new OTLPTraceExporter({ url: z.url('/api/observer/v1/otlp/v1/traces'), headers: { 'x-ingest-token': 'x'.repeat(30) } });
    const stranger = new BasicTracerProvider({ resource: new Resource({ 'service.name': 'stranger' }) });
    stranger.addSpanProcessor(new SimpleSpanProcessor(refused));
    const lone = stranger.getTracer('x').startSpan('GET /nothing');
    lone.end();
    await stranger.forceFlush();
    const missing = await fetch(z.url(`/api/observer/v1/traces/${lone.spanContext().traceId}`), { headers: staff });
    assert.equal(missing.status, 404);
    await provider.shutdown();
    await stranger.shutdown();
  } finally {
    assert.equal(await z.stop(), 0);
  }
});
