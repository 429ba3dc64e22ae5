// The answers of the platform's APIs the apps use, as the services send them (see each
// service's openapi.yaml). Field names are the wire names.

export interface Features {
  sandbox: boolean;
  areas: { id: string; title: string; path: string }[];
}

// ---- auth: customers
export interface CodeSent {
  mobile: string; // masked
  expires_in_s: number;
  resend_after_s: number;
}
export interface CustomerTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  customer_id: string;
  session_id: string;
  new_customer: boolean;
}
export interface CustomerProfile {
  customer_id: string;
  mobile: string; // masked
  has_password: boolean;
  created_at_ms: number;
}
export interface SessionInfo {
  id: string;
  device: string;
  ip: string;
  created_at_ms: number;
  last_used_ms: number;
  current: boolean;
}
export interface OutboxItem {
  id: string;
  channel: string;
  recipient: string; // masked
  template: string;
  text: string;
  sender: string;
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
  refresh_token: string;
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
export interface StaffProfile {
  staff: Staff;
  permissions: string[];
}
export interface Enrolment {
  staff: Staff;
  initial_password: string;
  totp_secret: string;
  totp_uri: string;
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
export interface AuthAuditEntry {
  id: string;
  at_ms: number;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  ip: string;
  trace_id: string;
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
