// The answers of the platform's APIs the apps use, as the services send them (see each
// service's openapi.yaml). Field names are the wire names.

export interface Features {
  sandbox: boolean;
  areas: { id: string; title: string; path: string }[];
  sandbox_clock?: string | null; // the pinned business time in sandbox mode
  business_date: string; // the business day now (the sandbox clock when pinned), Asia/Shanghai
  trading_day?: boolean | null; // unknown for a year the calendar does not cover
  last_trading_day?: string | null; // today when it is one, else the one before
}

// ---- auth: customers
export interface CodeSent {
  mobile: string; // masked
  expires_in_s: number;
  resend_after_s: number;
  sandbox_code?: string; // sandbox mode only: the code itself (no real phone receives it)
}
export interface CustomerTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string; // empty when the app asked for the cookie
  customer_id: string;
  session_id: string;
  new_customer: boolean;
}
export interface CustomerProfile {
  customer_id: string;
  mobile: string; // masked
  has_password: boolean;
  created_at_ms: number;
  fund_account?: string | null;
}
// ---- the agreements a customer accepts to use the app (用户服务协议, 隐私政策)
export interface Agreement {
  id: string;
  title: string;
  version: string;
  text: string;
  digest: string; // SHA-256 of the text
}
export interface Consent {
  agreement: string;
  title: string;
  version: string;
  digest: string;
  agreed_at_ms: number;
  ip: string;
  device: string;
}
export interface SessionInfo {
  id: string;
  device: string;
  ip: string;
  created_at_ms: number;
  last_used_ms: number;
  current: boolean;
}
// ---- notify: the sandbox outbox (staff with sandbox.manage)
export interface OutboxItem {
  id: string;
  channel: string;
  recipient: string; // masked
  template_id: string;
  text: string;
  sender: string; // the service that sent it
  created_at_ms: number;
}
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

// ---- auth: staff
export interface StaffTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string; // empty when the console asked for the cookie
  staff_id: string;
  session_id: string;
  roles: string[];
  permissions: string[];
  password_change_required: boolean;
}
export interface Staff {
  id: string;
  username: string;
  display_name: string;
  roles: string[];
  disabled: boolean;
  password_change_required: boolean;
  locked_until_ms: number;
  created_at_ms: number;
  updated_at_ms: number;
}
export interface Titled {
  name: string;
  title: string;
}
export interface StaffProfile {
  staff: Staff;
  permissions: string[];
  role_titles: Titled[]; // the staff member's roles in words
  permission_titles: Titled[];
}
export interface Enrolment {
  staff: Staff;
  initial_password: string;
  totp_secret: string;
  totp_uri: string;
  totp_qr: string[]; // the QR code of totp_uri: rows of modules, '1' dark
}
export interface Role {
  name: string;
  title: string;
  permissions: string[];
  builtin: boolean;
}
export interface RoleList {
  items: Role[];
  permissions: { name: string; title: string }[];
}
// An entry of a service's audit trail, the same shape in every service (core/storage/audit_trail.hpp).
export interface AuditEntry {
  id: string;
  at_ms: number;
  actor: string;
  customer: string; // the customer it concerns, '' for none
  action: string;
  subject: string;
  detail: string;
  ip: string;
  trace_id: string;
}
export interface AuditQuery {
  actor?: string;
  customer?: string;
  action?: string;
  from_ms?: number;
  to_ms?: number;
  cursor?: string;
  limit?: number;
}

// ---- registry and config center
export interface ServiceSummary {
  service: string;
  version: number;
  instances: number;
  healthy: number;
  serving: number;
}
export interface Instance {
  service: string;
  id: string;
  host: string;
  port: number;
  weight: number;
  enabled: boolean;
  healthy: boolean;
  metadata: Record<string, string>;
}
export interface ServiceSnapshot {
  service: string;
  version: number;
  protect_applied: boolean;
  instances: Instance[];
}
export interface ConfigItem {
  namespace_id: string;
  group: string;
  data_id: string;
  content: string;
  format: string;
  version: number;
  md5: string;
  author: string;
  comment: string;
  updated_at: string;
  gray_tag?: string | null;
}
export interface GrayInfo {
  namespace_id: string;
  group: string;
  data_id: string;
  tag: string;
  version: number;
}
export interface HistoryItem {
  item: ConfigItem;
  kind: string;
}
export interface ConfigAck {
  instance: string;
  version: number;
  md5: string;
  applied: boolean;
  message: string;
  at: string;
}
export interface RegistryAuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: string;
  trace_id: string;
}

// ---- gateway flow rules
export interface FlowRuleView {
  id: string;
  kind: string;
  resource: string;
  shadow: boolean;
  blocked: number;
  shadow_blocked: number;
  passed: number;
  state: string;
}
export interface FlowView {
  node: string;
  passed: number;
  rules: FlowRuleView[];
  rules_yaml: string;
}

// ---- suitability
export interface QuestionOption { id: string; text: string; score: number; lowest_category: boolean }
export interface Question { id: string; text: string; options: QuestionOption[] }
export interface Questionnaire { version: string; title: string; groups: { id: string; title: string; questions: Question[] }[] }
export interface Assessment {
  id: string; questionnaire_version: string; score: number; level: string; level_title: string;
  lowest_category: boolean; lowest_reasons: string[]; assessed_on: string; expires_on: string; created_at: string;
}
export interface SuitabilityProfile {
  customer_id: string; assessed: boolean; expired: boolean; level?: string | null; level_title?: string | null; level_number: number;
  lowest_category: boolean; score?: number | null; assessed_on?: string | null; expires_on?: string | null;
  investor_type: 'ordinary' | 'professional'; qualified: boolean; assessments_left_today: number;
}
export interface RiskWarning {
  id: string; product_code: string; product_name: string; product_risk: string; customer_level: string; text: string;
  text_version: string; issued_at: string; state: 'issued' | 'signed'; signed_at?: string | null;
}
// An evidence file as the suitability service kept it (sealed; staff open it through the application).
export interface EvidenceFile { id: string; name: string; content_type: string; size: number; sha256: string; uploaded_at_ms: number }
export interface InvestorApplication {
  id: string; customer_id: string; kind: 'professional' | 'qualified'; financial_assets: string; average_income: string;
  experience_years: number; evidence: string[]; state: 'pending' | 'approved' | 'rejected'; submitted_at: string;
  reviewed_by?: string | null; reviewed_at?: string | null; review_comment?: string | null; valid_until?: string | null;
}

// ---- mall
export interface FeeSchedule {
  subscription: { from: string; rate?: string | null; fixed_fee?: string | null }[];
  redemption: { min_days: number; rate: string }[];
  discount?: string | null;
  truncate_shares?: boolean | null;
}
export interface Product {
  code: string; name: string; category: string; category_title: string; risk: string; risk_title: string; risk_level: number;
  issuer: string; status: 'draft' | 'published' | 'halted'; sale_start: string; sale_end?: string | null;
  min_first: string; min_additional: string; increment: string; audience: 'public' | 'qualified' | 'professional';
  holder_cap?: number | null; holders: number; places_left?: number | null; principal?: string | null; redeemable: boolean;
  description: string; fees: FeeSchedule; nav?: string | null; nav_date?: string | null; promoted?: boolean | null;
}
export interface SuitabilityCheck { outcome: 'allow' | 'warn' | 'refuse'; rule: string; reason: string; customer_level: string; product_risk: string }
export interface MallOrder {
  order_id: string; product: string; product_name: string; side: 'subscribe' | 'redeem'; amount: string; shares: string;
  state: 'placing' | 'pending' | 'cancelled' | 'confirmed' | 'failed' | 'expired'; state_title: string; trade_date: string; confirm_date: string;
  placed_at: string; cancellable: boolean; warning_id?: string | null; suitability_rule: string; nav?: string | null; fee?: string | null;
  confirmed_amount?: string | null; confirmed_shares?: string | null; confirmed_date?: string | null;
  failure_code?: string | null; failure_message?: string | null; customer_id?: string | null;
}
export interface Holding {
  product: string; product_name: string; category_title: string; risk: string; shares: string; frozen: string; nav: string;
  nav_date: string; market_value: string; cost: string; profit: string;
}
export interface Holdings {
  fund_account: string; items: Holding[]; market_value: string; cost: string; profit: string;
  cash: string; // available at the counter
  frozen_cash: string; // frozen by purchases not yet confirmed
}
// What a subscription would cost and buy at the latest NAV (an estimate: it confirms at T's NAV).
export interface SubscriptionEstimate {
  product: string; amount: string; rate: string; fixed_fee?: string | null; fee: string; net: string; nav: string; nav_date: string; shares: string;
}

export const categories: { id: string; title: string }[] = [
  { id: 'public_fund', title: '公募基金' }, { id: 'bank_wm', title: '银行理财' }, { id: 'income_certificate', title: '收益凭证' },
  { id: 'broker_am', title: '券商资管' }, { id: 'trust', title: '信托' }, { id: 'private_fund', title: '私募基金' },
];
