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

// The suitability rule an order went through, as staff read it (the code stays in the tooltip).
const suitabilityRules: Record<string, string> = {
  SUIT_MATCH: '风险匹配', SUIT_RISK_ABOVE_LEVEL: '高于风险等级（已签署警示书）', SUIT_NOT_REQUIRED: '无需适当性匹配（赎回）',
  SUIT_LOWEST_CATEGORY: '最低类别投资者', SUIT_NOT_ASSESSED: '未测评', SUIT_ASSESSMENT_EXPIRED: '测评已过期',
  SUIT_QUALIFIED_ONLY: '仅限合格投资者', SUIT_PROFESSIONAL_ONLY: '仅限专业投资者',
};
export function suitabilityRuleTitle(rule: string | null | undefined): string {
  if (!rule) return '—';
  return suitabilityRules[rule] ?? rule;
}

// Where a security or fund is traded, as staff read it.
const markets: Record<string, string> = { OF: '场外基金', SH: '上交所', SZ: '深交所', BJ: '北交所' };
export function marketTitle(market: string): string {
  return markets[market] ?? market;
}

// An amount as customers read it: thousands separated, the decimals as the server gave them
// ("1000000.00" → "1,000,000.00"). Worked on the digits, never through a float.
// Adds amounts of at most two decimals exactly (in cents, never in floating point); throws on
// anything that is not such an amount, so a caller never shows a wrong sum.
export function sumMoney(amounts: string[]): string {
  let total = 0n;
  for (const amount of amounts) {
    const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
    if (!m) throw new Error(`not an amount: ${amount}`);
    const v = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
    total += m[1] ? -v : v;
  }
  const sign = total < 0n ? '-' : '';
  const a = total < 0n ? -total : total;
  return `${sign}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

export function formatMoney(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(amount.trim());
  if (!m) return amount;
  return `${m[1]}${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}
