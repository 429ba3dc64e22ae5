// Interop (issue 19), both ways:
// - our OTLP trace (and log) payloads read by a reference decoder of the OTLP protobuf schema — the
//   protobufjs code @opentelemetry/otlp-transformer generates from opentelemetry-proto — and our
//   OTLP/JSON payload compared with what that decoder read;
// - spans made by the OpenTelemetry JavaScript SDK, serialised by its own protobuf exporter code,
//   read by our receiver's decoder, compared with the SDK's own OTLP/JSON of the same spans.
//
// Usage: node otlp_decode.mjs <otlp_sample binary> <web dir>
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [sample, web] = process.argv.slice(2).map((p) => resolve(p));
const require = createRequire(join(web, 'e2e', 'package.json'));
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
// Span.flags (field 16) came with opentelemetry-proto 1.1; a decoder generated before it skips the
// field as unknown (which also shows it is framed right), so it is compared only where known.
const knowsFlags = 'flags' in root.opentelemetry.proto.trace.v1.Span.prototype;

const dir = mkdtempSync(join(tmpdir(), 'zt-otlp-'));
try {
  execFileSync(sample, [dir]);
  const bytes = readFileSync(join(dir, 'traces.pb'));
  const json = JSON.parse(readFileSync(join(dir, 'traces.json'), 'utf8'));
  assert.equal(Request.verify(Request.decode(bytes)), null);
  const hex = (b) => Buffer.from(b).toString('hex');
  // What the reference decoder read, in OTLP/JSON's conventions (hex ids, 64-bit as strings).
  const read = Request.toObject(Request.decode(bytes), { longs: String, enums: Number, bytes: Array, defaults: false });
  const value = (v) => {
    if ('stringValue' in v) return { stringValue: v.stringValue };
    if ('boolValue' in v) return { boolValue: v.boolValue };
    if ('intValue' in v) return { intValue: v.intValue };
    if ('doubleValue' in v) return { doubleValue: v.doubleValue };
    return {};
  };
  const attrs = (list = []) => list.map((kv) => ({ key: kv.key, value: value(kv.value ?? {}) }));
  const normal = {
    resourceSpans: read.resourceSpans.map((rs) => ({
      resource: { attributes: attrs(rs.resource.attributes) },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: ss.scope,
        spans: ss.spans.map((s) => {
          const o = { traceId: hex(s.traceId), spanId: hex(s.spanId) };
          if (s.parentSpanId?.length) o.parentSpanId = hex(s.parentSpanId);
          o.name = s.name;
          if (s.kind) o.kind = s.kind;
          o.startTimeUnixNano = s.startTimeUnixNano;
          o.endTimeUnixNano = s.endTimeUnixNano;
          if (s.attributes?.length) o.attributes = attrs(s.attributes);
          if (s.events?.length) {
            o.events = s.events.map((e) => {
              const ev = { timeUnixNano: e.timeUnixNano, name: e.name };
              if (e.attributes?.length) ev.attributes = attrs(e.attributes);
              return ev;
            });
          }
          if (s.status) o.status = s.status;
          if (knowsFlags) o.flags = s.flags ?? 0;
          return o;
        }),
      })),
    })),
  };
  // The JSON payload says exactly what the protobuf payload says.
  const jsonNormal = JSON.parse(JSON.stringify(json), (k, v) => (k === 'flags' && !knowsFlags ? undefined : v));
  assert.deepEqual(normal, jsonNormal);
  assert.deepEqual(json.resourceSpans[0].scopeSpans[0].spans.map((s) => s.flags), [1, 0]);

  // And both say what the sample wrote.
  const rs = read.resourceSpans[0];
  assert.deepEqual(attrs(rs.resource.attributes), [
    { key: 'service.name', value: { stringValue: 'mall' } },
    { key: 'service.instance.id', value: { stringValue: 'mall-7f9c' } },
    { key: 'service.version', value: { stringValue: '0.1.0' } },
  ]);
  assert.deepEqual(rs.scopeSpans[0].scope, { name: 'zhongtai', version: '0.1.0' });
  const [a, b] = normal.resourceSpans[0].scopeSpans[0].spans;
  assert.equal(a.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(a.spanId, '00f067aa0ba902b7');
  assert.equal(a.parentSpanId, undefined);
  assert.equal(a.name, 'POST /api/mall/v1/orders');
  assert.equal(a.kind, 2);
  assert.equal(a.startTimeUnixNano, '1796601067171000123');
  assert.equal(a.endTimeUnixNano, '1796601067175250456');
  assert.deepEqual(a.status, { code: 2, message: '可用资金不足' });
  assert.deepEqual(a.attributes, [
    { key: 'http.route', value: { stringValue: '/api/mall/v1/orders' } },
    { key: 'http.response.status_code', value: { intValue: '409' } },
    { key: 'zt.caller_kind', value: { stringValue: 'customer' } },
    { key: 'zt.big', value: { intValue: '-9007199254740993' } },
    { key: 'zt.ratio', value: { doubleValue: 0.125 } },
    { key: 'zt.retried', value: { boolValue: false } },  // a oneof member is sent even when false
  ]);
  assert.equal(b.traceId, a.traceId);
  assert.equal(b.parentSpanId, a.spanId);
  assert.equal(b.spanId, '0102030405060708');
  assert.equal(b.kind, 3);
  assert.deepEqual(b.status, { code: 1 });
  if (knowsFlags) assert.deepEqual([a.flags, b.flags], [1, 0]);
  assert.deepEqual(b.attributes[1], { key: 'bad', value: { stringValue: '\ufffd' } });
  assert.deepEqual(b.events.map((e) => e.name), ['retry', 'sent']);
  assert.deepEqual(b.events[0].attributes, [{ key: 'attempt', value: { intValue: '2' } }]);
  console.log(`otlp interop: ${bytes.length} protobuf bytes and the JSON payload read alike by the reference decoder`);

  // ---- our log records, the same way
  const LogsRequest = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
  const logBytes = readFileSync(join(dir, 'logs.pb'));
  const logJson = JSON.parse(readFileSync(join(dir, 'logs.json'), 'utf8'));
  assert.equal(LogsRequest.verify(LogsRequest.decode(logBytes)), null);
  const logsRead = LogsRequest.toObject(LogsRequest.decode(logBytes), { longs: String, enums: Number, bytes: Array, defaults: false });
  const logsNormal = {
    resourceLogs: logsRead.resourceLogs.map((rl) => ({
      resource: { attributes: attrs(rl.resource.attributes) },
      scopeLogs: rl.scopeLogs.map((sl) => ({
        scope: sl.scope,
        logRecords: sl.logRecords.map((l) => {
          const o = { timeUnixNano: l.timeUnixNano };
          if (l.observedTimeUnixNano && l.observedTimeUnixNano !== '0') o.observedTimeUnixNano = l.observedTimeUnixNano;
          if (l.severityNumber) o.severityNumber = l.severityNumber;
          if (l.severityText) o.severityText = l.severityText;
          o.body = value(l.body ?? {});
          if (l.attributes?.length) o.attributes = attrs(l.attributes);
          if (l.traceId?.length) o.traceId = hex(l.traceId);
          if (l.spanId?.length) o.spanId = hex(l.spanId);
          return o;
        }),
      })),
    })),
  };
  assert.deepEqual(logsNormal, logJson);
  const [warnLine, plainLine] = logsNormal.resourceLogs[0].scopeLogs[0].logRecords;
  assert.equal(warnLine.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(warnLine.spanId, '00f067aa0ba902b7');
  assert.equal(warnLine.severityNumber, 13);
  assert.deepEqual(warnLine.body, { stringValue: 'mall: 柜台未应答，稍后重发' });
  assert.equal(warnLine.timeUnixNano, '1796601067171500123');
  assert.equal(warnLine.observedTimeUnixNano, '1796601067171500130');
  assert.deepEqual(warnLine.attributes, [
    { key: 'zt.log_kind', value: { stringValue: 'request' } },
    { key: 'zt.duration_ms', value: { doubleValue: 4.25 } },
  ]);
  assert.equal(plainLine.traceId, undefined);
  assert.equal(plainLine.severityNumber, 9);
  console.log(`otlp interop: ${logBytes.length} protobuf bytes of log records and their JSON read alike by the reference decoder`);

  // ---- the other way: the OpenTelemetry JS SDK's spans through our decoder
  const api = require('@opentelemetry/api');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { Resource } = require('@opentelemetry/resources');
  const { ProtobufTraceSerializer, JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': 'js-quotes', 'service.instance.id': 'js-1', 'deployment.environment': 'test' }),
  });
  provider.addSpanProcessor(new SimpleSpanProcessor(exporter));
  const tracer = provider.getTracer('interop-scope', '2.0.0');
  const parent = tracer.startSpan('GET /quotes/{code}', { kind: api.SpanKind.SERVER, attributes: { 'http.route': '/quotes/{code}', 'http.response.status_code': 200 } });
  const child = tracer.startSpan(
    'SELECT quotes',
    { kind: api.SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', rows: 3, ratio: 0.5, cached: true, tags: ['a', 'b'] } },
    api.trace.setSpan(api.context.active(), parent),
  );
  child.addEvent('retry', { attempt: 2 });
  child.setStatus({ code: api.SpanStatusCode.ERROR, message: '行情超时' });
  child.end();
  parent.end();
  const sdkSpans = exporter.getFinishedSpans();
  assert.equal(sdkSpans.length, 2);
  writeFileSync(join(dir, 'sdk.pb'), ProtobufTraceSerializer.serializeRequest(sdkSpans));
  const sdkJson = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(sdkSpans)));
  const lines = execFileSync(sample, ['--reencode', join(dir, 'sdk.pb')], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(lines.length, 1, 'one resource, one scope: one batch');
  const ours = JSON.parse(lines[0]);
  // Both in the same terms: scalar attributes by key, ids in hex, times as decimal strings.
  const scalar = (v) => {
    if ('stringValue' in v) return { stringValue: v.stringValue };
    if ('boolValue' in v) return { boolValue: v.boolValue };
    if ('intValue' in v) return { intValue: String(v.intValue) };
    if ('doubleValue' in v) return { doubleValue: Number(v.doubleValue) };
    return v;
  };
  const kv = (list = []) => Object.fromEntries(list.map((a) => [a.key, scalar(a.value)]));
  const hexId = (id) => (typeof id === 'string' && /^[0-9a-f]*$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));
  const spanTerms = (s) => ({
    traceId: hexId(s.traceId),
    spanId: hexId(s.spanId),
    parentSpanId: s.parentSpanId ? hexId(s.parentSpanId) : '',
    name: s.name,
    kind: s.kind,
    start: String(s.startTimeUnixNano),
    end: String(s.endTimeUnixNano),
    attributes: kv(s.attributes),
    events: (s.events ?? []).map((e) => ({ name: e.name, time: String(e.timeUnixNano), attributes: kv(e.attributes) })),
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
  });
  const sdkRs = sdkJson.resourceSpans[0];
  const ourRs = ours.resourceSpans[0];
  assert.deepEqual(kv(ourRs.resource.attributes), kv(sdkRs.resource.attributes));  // service.*, telemetry.sdk.*, the rest
  assert.deepEqual(ourRs.scopeSpans[0].scope, { name: 'interop-scope', version: '2.0.0' });
  const sdkList = sdkRs.scopeSpans[0].spans.map(spanTerms);
  const ourList = ourRs.scopeSpans[0].spans.map(spanTerms);
  // An array value is kept as JSON text by our decoder: compared apart.
  const tags = ourList.map((s) => s.attributes.tags).filter(Boolean);
  assert.deepEqual(tags, [{ stringValue: '["a","b"]' }]);
  for (const list of [sdkList, ourList]) for (const s of list) delete s.attributes.tags;
  assert.deepEqual(ourList, sdkList);
  assert.equal(ourList[1].parentSpanId, '');
  assert.equal(ourList[0].parentSpanId, ourList[1].spanId);
  assert.deepEqual(ourList[0].status, { code: 2, message: '行情超时' });
  // The SDK's OTLP/JSON (what its HTTP exporter sends by default) read by our JSON decoder: the
  // same spans as its protobuf read by our protobuf decoder.
  writeFileSync(join(dir, 'sdk.json'), JsonTraceSerializer.serializeRequest(sdkSpans));
  const fromJson = execFileSync(sample, ['--reencode-json', join(dir, 'sdk.json')], { encoding: 'utf8' }).trim();
  assert.equal(fromJson, lines[0]);
  console.log(`otlp interop: ${sdkSpans.length} spans from the OpenTelemetry JS SDK read by our decoders, protobuf and JSON, as the SDK's own JSON says`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
