// Interop (issue 19): our OTLP trace payloads read by a reference decoder of the OTLP protobuf
// schema — the protobufjs code @opentelemetry/otlp-transformer generates from opentelemetry-proto
// — and the OTLP/JSON payload compared with what that decoder read.
//
// Usage: node otlp_decode.mjs <otlp_sample binary> <web dir>
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [sample, web] = process.argv.slice(2);
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
} finally {
  rmSync(dir, { recursive: true, force: true });
}
