// The console's calls, typed, on the shared client. Every mutation names its author (the staff
// member's user name); the services record the verified staff id beside it.
import { ref } from 'vue';
import { ApiClient, type AuditEntry, type AuditQuery, type ConfigAck, type ConfigItem, type Enrolment, type FlowView, type GrayInfo, type HistoryItem, type Instance,
  type Features, type OutboxItem, type Page, type RegistryAuditEntry, type RoleList, type Role, type ServiceSnapshot, type ServiceSummary, type SignedOutReason,
  type Staff, type StaffProfile, type StaffTokens, type FeeSchedule, type InvestorApplication, type MallOrder, type Product,
  type SuitabilityProfile } from '@zhongtai/shared';

export const signedOutNotice = ref('');

// Who is signed in, as the sign-in and refresh answers say (kept in memory with the access token).
export interface StaffSession {
  staff_id: string;
  session_id: string;
  roles: string[];
  permissions: string[];
  password_change_required: boolean;
}

export const client = new ApiClient<StaffSession>({
  app: 'console',
  refreshCookie: 'staff',
  onSignedOut: (reason: SignedOutReason) => {
    if (reason === 'refresh_reused') signedOutNotice.value = '登录凭证被重复使用，会话已在所有页面结束，请重新登录';
    else if (reason === 'refresh_refused') signedOutNotice.value = '登录已过期或账号已停用，请重新登录';
    else if (reason === 'elsewhere') signedOutNotice.value = '已在其他页面退出登录';
  },
});

const cfg = (ns: string, group: string, dataId: string, tail = '') =>
  `/api/registry/v1/configs/${encodeURIComponent(ns)}/${encodeURIComponent(group)}/${encodeURIComponent(dataId)}${tail}`;

export const api = {
  signIn: (username: string, password: string, totp: string) =>
    client.post<StaffTokens>('/api/auth/v1/staff/sessions', { username, password, totp, device: '管理控制台' }, { anonymous: true, refreshCookie: true }),
  features: () => client.get<Features>('/api/gateway/v1/features', { anonymous: true }),
  me: () => client.get<StaffProfile>('/api/auth/v1/staff/me'),
  changePassword: (current_password: string, new_password: string) =>
    client.post<{ message: string }>('/api/auth/v1/staff/me/password', { current_password, new_password }),

  services: () => client.get<{ items: ServiceSummary[] }>('/api/registry/v1/services'),
  // Every instance, offline and unhealthy ones included (the default answer is what callers may use).
  instances: (service: string) =>
    client.get<ServiceSnapshot>(`/api/registry/v1/services/${encodeURIComponent(service)}/instances`, { query: { healthy_only: false, wait_ms: 0 } }),
  patchInstance: (i: Instance, change: { enabled?: boolean; weight?: number }, author: string) =>
    client.patch<Instance>(`/api/registry/v1/services/${encodeURIComponent(i.service)}/instances/${encodeURIComponent(i.id)}`, { ...change, author }),

  configs: () => client.get<{ items: ConfigItem[]; grays: GrayInfo[] }>('/api/registry/v1/configs'),
  config: (ns: string, group: string, dataId: string) => client.get<ConfigItem>(cfg(ns, group, dataId)),
  publish: (ns: string, group: string, dataId: string, body: { content: string; format: string; comment: string; author: string; expected_version?: number }) =>
    client.put<ConfigItem>(cfg(ns, group, dataId), body),
  history: (ns: string, group: string, dataId: string, cursor?: string) =>
    client.get<Page<HistoryItem>>(cfg(ns, group, dataId, '/history'), { query: { cursor, limit: 20 } }),
  rollback: (ns: string, group: string, dataId: string, version: number, author: string, comment: string) =>
    client.post<ConfigItem>(cfg(ns, group, dataId, '/rollback'), { version, author, comment }),
  gray: (ns: string, group: string, dataId: string) => client.get<ConfigItem>(cfg(ns, group, dataId, '/gray')),
  publishGray: (ns: string, group: string, dataId: string, body: { tag: string; content: string; format: string; author: string; comment: string }) =>
    client.put<ConfigItem>(cfg(ns, group, dataId, '/gray'), body),
  cancelGray: (ns: string, group: string, dataId: string, author: string) =>
    client.delete<object>(cfg(ns, group, dataId, '/gray'), { query: { author } }),
  promoteGray: (ns: string, group: string, dataId: string, author: string, comment: string) =>
    client.post<ConfigItem>(cfg(ns, group, dataId, '/gray/promote'), { author, comment }),
  acks: (ns: string, group: string, dataId: string) => client.get<{ items: ConfigAck[] }>(cfg(ns, group, dataId, '/acks')),

  flow: () => client.get<FlowView>('/api/gateway/v1/flow'),
  checkFlow: (rules: string) => client.post<{ valid: boolean; rule_count: number }>('/api/gateway/v1/flow/check', { rules }),

  // The services' audit trails, each filtered by the service itself.
  audit: (service: 'auth' | 'suitability' | 'mall', q: AuditQuery) =>
    client.get<Page<AuditEntry>>({ auth: '/api/auth/v1/audit', suitability: '/api/suitability/v1/audit', mall: '/api/mall/v1/admin/audit' }[service], { query: { ...q } }),
  registryAudit: (cursor?: string) => client.get<Page<RegistryAuditEntry>>('/api/registry/v1/audit', { query: { cursor, limit: 100 } }),

  staff: () => client.get<{ items: Staff[] }>('/api/auth/v1/staff'),
  createStaff: (username: string, display_name: string, roles: string[]) =>
    client.post<Enrolment>('/api/auth/v1/staff', { username, display_name, roles }),
  updateStaff: (id: string, change: { display_name?: string; roles?: string[]; disabled?: boolean }) =>
    client.patch<Staff>(`/api/auth/v1/staff/${encodeURIComponent(id)}`, change),
  resetCredentials: (id: string) => client.post<Enrolment>(`/api/auth/v1/staff/${encodeURIComponent(id)}/credentials`),
  unlockStaff: (id: string) => client.post<Staff>(`/api/auth/v1/staff/${encodeURIComponent(id)}/unlock`),
  roles: () => client.get<RoleList>('/api/auth/v1/roles'),
  putRole: (name: string, title: string, permissions: string[]) => client.put<Role>(`/api/auth/v1/roles/${encodeURIComponent(name)}`, { title, permissions }),
  deleteRole: (name: string) => client.delete<object>(`/api/auth/v1/roles/${encodeURIComponent(name)}`),
};

// ---- the sandbox counter (sandbox.manage)
export interface CounterCustomer {
  customer_no: string;
  name: string;
  id_number: string;
  mobile: string;
  branch: string;
  fund_account: string;
  first_trade_date?: string | null;
}
export interface CounterBalance { fund_account: string; cash: string; frozen: string; total: string }
export interface CounterPosition { code: string; kind: string; quantity: string; frozen: string; price: string; market_value: string }
export interface CounterOrder {
  order_id: string; product: string; side: string; amount: string; shares: string; trade_date: string; state: string;
  nav?: string | null; fee?: string | null; settled_amount?: string | null; settled_shares?: string | null;
}
export interface CounterInstrument { code: string; name: string; kind: string; market: string; price: string; price_date: string }
export interface CounterOverview {
  customer: CounterCustomer;
  balance: CounterBalance;
  positions: CounterPosition[];
  orders: CounterOrder[];
  bank?: { fund_account: string; bank_code: string; card_no: string } | null;
}
export interface DemoCustomer { customer: CounterCustomer; stock_accounts: { account_no: string; market: string }[]; balance: CounterBalance }

export const sandbox = {
  demo: (body: { request_id: string; name: string; id_number: string; mobile: string; cash?: string }) =>
    client.post<DemoCustomer>('/api/counter/v1/sandbox/demo-customers', body),
  account: (fa: string) => client.get<CounterOverview>(`/api/counter/v1/sandbox/accounts/${encodeURIComponent(fa)}`),
  instruments: () => client.get<{ items: CounterInstrument[] }>('/api/counter/v1/sandbox/instruments'),
  putInstrument: (i: CounterInstrument) => client.put<CounterInstrument>(`/api/counter/v1/sandbox/instruments/${encodeURIComponent(i.code)}`, i),
  trade: (body: { request_id: string; fund_account: string; code: string; side: string; quantity: string; price?: string; trade_date: string }) =>
    client.post<{ trade_id: string; amount: string }>('/api/counter/v1/sandbox/trades', body),
  transfer: (body: { request_id: string; fund_account: string; direction: string; amount: string; business_date: string }) =>
    client.post<{ seq: number; balance: CounterBalance }>('/api/counter/v1/sandbox/transfers', body),
  endOfDay: (date: string) => client.post<{ date: string; accounts: number }>('/api/counter/v1/sandbox/end-of-day', { date }),
};

// The sandbox SMS outbox (sandbox.manage, sandbox mode only): what customers' phones would have
// received, codes included, newest first; recipients masked, filtered by the full number.
export const outbox = (recipient?: string, cursor?: string) =>
  client.get<Page<OutboxItem>>('/api/notify/v1/outbox', { query: { channel: 'sms', recipient, cursor, limit: 20 } });

// The settings items, one per concern (src/core/config/settings_items.hpp): rolling one back never
// touches another. The flow rules live in flow.yaml.
export const FLOW = { ns: 'public', group: 'zhongtai', dataId: 'flow.yaml' } as const;
export const SETTINGS_ITEMS: Record<string, string> = {
  'dynamic.yaml': '通用动态配置', 'flow.yaml': '流控、熔断与系统保护规则', 'gateway.yaml': '网关路由与过滤器',
  'sandbox.yaml': '沙箱业务时钟与故障注入', 'calendar.yaml': '交易日历休市安排',
};

// ---- the financial mall (products.manage, orders.read, sandbox.manage) and investor reviews (reviews.approve)
export interface ProductForm {
  code: string; name: string; category: string; risk: number; issuer: string; sale_start: string; sale_end?: string;
  min_first: string; min_additional: string; increment: string; audience: string; holder_cap?: number; principal?: string;
  redeemable?: boolean; description?: string; fees: FeeSchedule;
}
export const mall = {
  products: (cursor?: string) => client.get<Page<Product>>('/api/mall/v1/admin/products', { query: { cursor, limit: 100 } }),
  create: (p: ProductForm) => client.post<Product>('/api/mall/v1/admin/products', p),
  update: (p: ProductForm) => client.put<Product>(`/api/mall/v1/admin/products/${encodeURIComponent(p.code)}`, p),
  status: (code: string, status: 'published' | 'halted', comment: string) =>
    client.post<Product>(`/api/mall/v1/admin/products/${encodeURIComponent(code)}/status`, { status, comment }),
  navs: (code: string) => client.get<{ code: string; items: { date: string; nav: string }[] }>(`/api/mall/v1/admin/products/${encodeURIComponent(code)}/navs`),
  putNav: (code: string, date: string, nav: string) =>
    client.put<{ date: string; nav: string }>(`/api/mall/v1/admin/products/${encodeURIComponent(code)}/navs/${encodeURIComponent(date)}`, { nav }),
  importNavs: (csv: string) => client.post<{ imported: number; unchanged: number }>('/api/mall/v1/admin/navs/import', { csv }),
  correctNav: (code: string, date: string, from: string, nav: string, reason: string) =>
    client.post<NavCorrection>(`/api/mall/v1/admin/products/${encodeURIComponent(code)}/navs/${encodeURIComponent(date)}/corrections`, { from, nav, reason }),
  navCorrections: (code: string) => client.get<{ items: NavCorrection[] }>('/api/mall/v1/admin/nav-corrections', { query: { code, limit: 20 } }),
  orders: (q: { customer?: string; product?: string; state?: string; cursor?: string }) =>
    client.get<Page<MallOrder>>('/api/mall/v1/admin/orders', { query: { ...q, limit: 50 } }),
  confirm: () => client.post<{ business_date: string; confirmed: number; waiting_for_nav: number; failed: number; redriven: number; expired: number }>('/api/mall/v1/admin/confirmations'),
  reconciliation: () => client.get<Reconciliation>('/api/mall/v1/admin/reconciliation'),
  stuck: () => client.get<StuckList>('/api/mall/v1/admin/stuck'),
  order: (id: string) => client.get<{ order: MallOrder; history: OrderEvent[] }>(`/api/mall/v1/admin/orders/${encodeURIComponent(id)}`),
  // One key per resolution the staff member asked for: a retry of the same click reuses it.
  resolve: (id: string, action: StuckAction, reason: string, idempotencyKey: string) =>
    client.post<Resolution>(`/api/mall/v1/admin/orders/${encodeURIComponent(id)}/resolve`, { action, reason }, { idempotencyKey }),
};
export type StuckAction = 'retry' | 'void' | 'expire';
// A NAV correction (净值更正) and its date's orders as they stand: pending ones confirm at the NAV in
// force; to_adjust were confirmed at another one and wait for staff.
export interface NavCorrection {
  id: string; code: string; product_name: string; date: string; from: string; to: string; reason: string; corrected_by: string;
  corrected_at: string; state: 'sending' | 'applied' | 'refused'; state_title: string; outcome?: string | null;
  pending_orders: number; to_adjust: MallOrder[];
}
export interface OrderEvent { event: string; title: string; detail: string; actor: string; first_at: string; last_at: string; times: number }
export interface StuckItem {
  order: MallOrder; kind: 'placing' | 'waiting_for_nav' | 'confirmation_refused' | 'confirmation_overdue'; kind_title: string;
  age_seconds: number; last_error?: string | null; expires_on?: string | null; hint: string; actions: StuckAction[]; history: OrderEvent[];
}
export interface StuckList { business_date: string; generated_at: string; items: StuckItem[]; truncated: boolean }
export interface Resolution { order: MallOrder; outcome: 'resolved' | 'scheduled' | 'unchanged'; message: string; history: OrderEvent[] }
export interface Difference {
  kind: string; title: string; customer_id: string; fund_account: string; product: string;
  order_id?: string | null; counter_order_id?: string | null; mall: string; counter: string; note: string;
}
export interface Reconciliation {
  business_date: string; generated_at: string; orders_checked: number; accounts_checked: number; complete: boolean;
  differences: Difference[];
}
export const reviews = {
  list: (state: string, cursor?: string) => client.get<Page<InvestorApplication>>('/api/suitability/v1/applications', { query: { state, cursor, limit: 50 } }),
  decide: (id: string, approve: boolean, comment: string) =>
    client.post<InvestorApplication>(`/api/suitability/v1/applications/${encodeURIComponent(id)}/decision`, { approve, comment }),
  profile: (customer: string) => client.get<SuitabilityProfile>(`/api/suitability/v1/customers/${encodeURIComponent(customer)}`),
  // An uploaded evidence file the application names (audited by the service).
  evidence: (application: string, evidence: string) =>
    client.getFile(`/api/suitability/v1/applications/${encodeURIComponent(application)}/evidence/${encodeURIComponent(evidence)}`),
};

// ---- customer service (客服): customers.read to find and view (each audited), customers.manage
// to end their sessions or lift a lock (with a reason)
export interface CustomerCard {
  customer_id: string; mobile: string; created_at_ms: number; has_password: boolean; fund_account?: string | null;
  code_locked_until_ms: number; password_locked_until_ms: number; active_sessions: number;
}
export interface CustomerConsent { agreement: string; title: string; version: string; digest: string; agreed_at_ms: number; ip: string; device: string }
export interface CustomerOverview {
  customer: CustomerCard;
  sessions: { id: string; device: string; ip: string; created_at_ms: number; last_used_ms: number }[];
  agreements: CustomerConsent[];
}
export const customers = {
  search: (q: string) => client.get<{ items: CustomerCard[] }>('/api/auth/v1/customers', { query: { q } }),
  view: (id: string) => client.get<CustomerOverview>(`/api/auth/v1/customers/${encodeURIComponent(id)}`),
  endSessions: (id: string, reason: string) =>
    client.post<CustomerOverview>(`/api/auth/v1/customers/${encodeURIComponent(id)}/sessions/end`, { reason }),
  unlock: (id: string, reason: string) => client.post<CustomerOverview>(`/api/auth/v1/customers/${encodeURIComponent(id)}/unlock`, { reason }),
};
