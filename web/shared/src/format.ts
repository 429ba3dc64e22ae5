// Display helpers shared by both apps: times in Asia/Shanghai, errors with their trace id.
import { ApiError } from './client';

const timeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export function formatTime(ms: number | string): string {
  const d = typeof ms === 'number' ? new Date(ms) : new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  return timeFormat.format(d).replace(/\//g, '-');
}

// What the user reads, and the line support asks for.
export interface ShownError {
  message: string;
  details: string; // "错误码 X · 追踪号 Y"
}

export function describeError(e: unknown): ShownError {
  if (e instanceof ApiError) {
    const parts = [`错误码 ${e.code}`];
    if (e.traceId) parts.push(`追踪号 ${e.traceId}`);
    return { message: e.message, details: parts.join(' · ') };
  }
  return { message: '操作失败，请稍后重试', details: e instanceof Error ? e.message : String(e) };
}
