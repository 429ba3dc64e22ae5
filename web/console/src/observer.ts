// The observer's queries and alert rules as the console calls them (governance.read to read,
// governance.write to change the rules).
import { client } from './api';

export interface Figures {
  calls: number; cpm: number; errors: number; error_rate: number; sla: number;
  avg_ms: number; p50_ms: number; p75_ms: number; p90_ms: number; p95_ms: number; p99_ms: number; max_ms: number; apdex: number;
}
export interface ServiceFigures extends Figures { service: string }
export interface MinutePoint extends Figures { minute_ms: number }
export interface Range { from_ms?: number; to_ms?: number }
// An instance's resources in a minute (the highest sampled); null: not sent.
export interface ResourceFigures {
  minute_ms: number; cpu_cores: number | null; rss_bytes: number | null; open_fds: number | null; max_fds: number | null;
  threads: number | null; io_busy_avg: number | null; io_busy_max: number | null; blocking_queued: number | null;
}
export interface InstanceResources { instance: string; sender: string; latest: ResourceFigures & { at_ms: number }; points: ResourceFigures[] }
export interface TopologyNode extends Partial<Figures> { name: string; kind: 'service' | 'external' }
export interface TopologyEdge extends Figures { from: string; to: string }
export interface TraceRow { trace_id: string; span_id: string; service: string; instance: string; endpoint: string; start_ms: number; duration_us: number; status: string }
export interface SpanView {
  span_id: string; parent_span_id: string; service: string; instance: string; name: string; kind: string; start_ms: number;
  start_unix_nano: string; duration_us: number; status: string; status_message: string; sender: string;
  attributes: Record<string, unknown>; events: { name: string; time_unix_nano: string; attributes: Record<string, unknown> }[];
}
export interface LogRow {
  time_ms: number; time_unix_nano: string; service: string; instance: string; level: string; severity_text: string; body: string;
  attributes: Record<string, unknown>; trace_id: string; span_id: string; sender: string;
}
export interface TraceView { trace_id: string; truncated: boolean; spans: SpanView[]; logs: LogRow[]; logs_truncated: boolean }

export type AlertScope = 'service' | 'instance' | 'endpoint' | 'edge';
export interface AlertRule {
  id: string; title: string; scope: AlertScope; service: string; name_prefix: string; metric: string; comparison: 'above' | 'below';
  threshold: number; period: number; count: number; silence: number; recover_after: number; recovery_notice: boolean; min_calls: number;
  channels: string[];
}
export interface AlertChannel { name: string; type: 'email' | 'sms' | 'webhook'; to: string }
export interface AlertRules {
  version: number; source: 'shipped' | 'config_center'; author?: string; comment?: string; updated_at?: string;
  channels: AlertChannel[]; rules: AlertRule[];
}
export interface AlertDelivery { channel: string; type: string; target: string; status: string; attempts: number; detail: string; updated_at_ms: number }
export interface AlertEvent {
  id: string; rule_id: string; title: string; kind: string; scope: string; service: string; name: string; metric: string; comparison: string;
  threshold: number; minute_ms: number; value: number; breaches: number; calls: number; text: string; created_at_ms: number;
  deliveries: AlertDelivery[];
}
export interface TrialNotice { kind: string; scope: string; service: string; name: string; minute_ms: number; value: number; breaches: number; calls: number; text: string }
export interface Firing { rule_id: string; title: string; scope: string; service: string; name: string; entity: string; breaches: number; notified_minute_ms: number }

const svc = (s: string) => `/api/observer/v1/services/${encodeURIComponent(s)}`;

export const observer = {
  services: (r: Range) => client.get<{ items: ServiceFigures[] }>('/api/observer/v1/services', { query: { ...r } }),
  minutes: (service: string, r: Range) => client.get<{ points: MinutePoint[] }>(`${svc(service)}/minutes`, { query: { ...r } }),
  endpoints: (service: string, r: Range, order_by = 'p99') =>
    client.get<{ items: (Figures & { endpoint: string })[] }>(`${svc(service)}/endpoints`, { query: { ...r, order_by, limit: 10 } }),
  instances: (service: string, r: Range) => client.get<{ items: (Figures & { instance: string })[] }>(`${svc(service)}/instances`, { query: { ...r } }),
  resources: (service: string, r: Range) =>
    client.get<{ items: InstanceResources[]; truncated: boolean }>(`${svc(service)}/resources`, { query: { ...r } }),
  topology: (r: Range) => client.get<{ nodes: TopologyNode[]; edges: TopologyEdge[] }>('/api/observer/v1/topology', { query: { ...r } }),
  traces: (q: Range & { service?: string; endpoint?: string; status?: string; min_duration_ms?: number; limit?: number }) =>
    client.get<{ items: TraceRow[] }>('/api/observer/v1/traces', { query: { ...q } }),
  trace: (id: string) => client.get<TraceView>(`/api/observer/v1/traces/${encodeURIComponent(id)}`),
  logs: (q: Range & { trace_id?: string; service?: string; level?: string; q?: string; limit?: number }) =>
    client.get<{ items: LogRow[] }>('/api/observer/v1/logs', { query: { ...q } }),

  rules: () => client.get<AlertRules>('/api/observer/v1/alert-rules'),
  saveRules: (channels: AlertChannel[], rules: AlertRule[], expected_version: number, comment: string) =>
    client.put<AlertRules>('/api/observer/v1/alert-rules', { channels, rules, expected_version, comment }),
  trial: (rule: AlertRule, minutes: number) =>
    client.post<{ from_ms: number; to_ms: number; minutes: number; notices: TrialNotice[]; firing: { entity: string }[] }>(
      '/api/observer/v1/alert-rules/trial', { rule: { ...rule, channels: [] }, minutes }),
  alerts: (q: Range & { rule_id?: string; kind?: string; limit?: number }) =>
    client.get<{ items: AlertEvent[] }>('/api/observer/v1/alerts', { query: { ...q } }),
  firing: () => client.get<{ items: Firing[]; judged_until_ms: number }>('/api/observer/v1/alerts/firing'),
};

export const metricTitles: Record<string, string> = {
  avg_ms: '平均响应时间（毫秒）', p50_ms: 'P50（毫秒）', p75_ms: 'P75（毫秒）', p90_ms: 'P90（毫秒）', p95_ms: 'P95（毫秒）', p99_ms: 'P99（毫秒）',
  error_rate: '错误率', sla: '成功率', cpm: '每分钟调用数', apdex: 'Apdex',
  // An instance's resources (rules on instances only).
  cpu_cores: '实例 CPU（核）', rss_mb: '实例常驻内存（MiB）', open_files_ratio: '实例文件句柄占上限比例',
  io_busy: '实例 IO 线程繁忙度', blocking_queued: '实例阻塞任务排队数',
};
// Metrics a rule may judge only on instances.
export const resourceMetrics = ['cpu_cores', 'rss_mb', 'open_files_ratio', 'io_busy', 'blocking_queued'];
export const scopeTitles: Record<string, string> = { service: '服务', instance: '实例', endpoint: '接口', edge: '调用关系' };
export const kindTitles: Record<string, string> = { firing: '告警', still_firing: '持续告警', recovered: '恢复', ended: '规则变更结束', gone: '实例下线结束' };
export const deliveryTitles: Record<string, string> = { pending: '待发送', sending: '发送中', sent: '已发送', failed: '失败', unknown: '结果未知' };
export const levelTitles: Record<string, string> = { trace: '跟踪', debug: '调试', info: '信息', warn: '警告', error: '错误', fatal: '严重' };
// The time a trace or log search looks back over (minutes), as the searches offer it.
export const searchSpans = [
  { minutes: 30, label: '最近 30 分钟' },
  { minutes: 60, label: '最近 1 小时' },
  { minutes: 1440, label: '最近 24 小时' },
  { minutes: 4320, label: '最近 3 天' },
];
export const channelTitles: Record<string, string> = { email: '电子邮件', sms: '短信', webhook: 'Webhook 回调' };

// A number of milliseconds as people read it.
export function ms(v: number | undefined): string {
  if (v === undefined || v === null) return '-';
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 10) return `${v.toFixed(0)} ms`;
  return `${v.toFixed(2)} ms`;
}
export const percent = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(2)}%`);
// Bytes as people read them (binary units, as top and the kernel count memory).
export function bytes(v: number | null | undefined): string {
  if (v === undefined || v === null) return '-';
  if (v >= 1 << 30) return `${(v / (1 << 30)).toFixed(2)} GiB`;
  if (v >= 1 << 20) return `${(v / (1 << 20)).toFixed(1)} MiB`;
  if (v >= 1024) return `${(v / 1024).toFixed(0)} KiB`;
  return `${v} B`;
}

// The last `minutes` up to now.
export function lastMinutes(minutes: number): Range {
  const to = Date.now();
  return { from_ms: to - minutes * 60_000, to_ms: to };
}
