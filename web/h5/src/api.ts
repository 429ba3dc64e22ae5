// The H5 app's calls, typed, on the shared client.
import { type Agreement, ApiClient, type Assessment, type Consent, type CodeSent, type CustomerProfile, type CustomerTokens, type EvidenceFile, type Features, type Holdings, type InvestorApplication,
  type MallOrder, type Page, type Product, type Questionnaire, type RiskWarning, type SessionInfo,
  type SignedOutReason, type SubscriptionEstimate, type SuitabilityCheck, type SuitabilityProfile } from '@zhongtai/shared';
import { ref } from 'vue';

export const signedOutNotice = ref<string>('');
export interface AgreementRef {
  id: string;
  version: string;
}

// Who is signed in, as the sign-in and refresh answers say (kept in memory with the access token).
export interface CustomerSession {
  customer_id: string;
  session_id: string;
}

export const client = new ApiClient<CustomerSession>({
  app: 'h5',
  refreshCookie: 'customer',
  onSignedOut: (reason: SignedOutReason) => {
    if (reason === 'refresh_reused') signedOutNotice.value = '检测到登录凭证被重复使用，为保护账户安全，已在所有设备退出登录，请重新登录';
    else if (reason === 'refresh_refused') signedOutNotice.value = '登录已过期，请重新登录';
    else if (reason === 'elsewhere') signedOutNotice.value = '您已在其他页面退出登录';
  },
});

export const api = {
  features: () => client.get<Features>('/api/gateway/v1/features', { anonymous: true }),
  sendCode: (mobile: string) => client.post<CodeSent>('/api/auth/v1/sms-codes', { mobile }, { anonymous: true }),
  agreements: () => client.get<{ items: Agreement[] }>('/api/auth/v1/agreements', { anonymous: true }),
  myAgreements: () => client.get<{ items: Consent[] }>('/api/auth/v1/me/agreements'),
  // `agreements`: the ones the customer ticked (ids and versions as listed).
  signInWithCode: (mobile: string, code: string, device: string, agreements: AgreementRef[]) =>
    client.post<CustomerTokens>('/api/auth/v1/sessions', { mobile, code, device, agreements }, { anonymous: true, refreshCookie: true }),
  signInWithPassword: (mobile: string, password: string, device: string, agreements: AgreementRef[]) =>
    client.post<CustomerTokens>('/api/auth/v1/sessions/password', { mobile, password, device, agreements },
      { anonymous: true, refreshCookie: true }),
  profile: () => client.get<CustomerProfile>('/api/auth/v1/me'),
  // A code to the customer's own phone: setting or changing a password needs it (a session alone
  // could be a stolen one).
  sendPasswordCode: () => client.post<{ mobile: string; expires_in_s: number; resend_after_s: number }>('/api/auth/v1/me/password-codes'),
  setPassword: (password: string, code: string) => client.put<{ message: string }>('/api/auth/v1/me/password', { password, code }),
  sessions: () => client.get<{ items: SessionInfo[] }>('/api/auth/v1/me/sessions'),
  endSession: (id: string) => client.delete<object>(`/api/auth/v1/me/sessions/${encodeURIComponent(id)}`),
  openSandboxAccount: () => client.post<{ customer_id: string; fund_account: string }>('/api/auth/v1/me/sandbox-account'),
  // suitability
  questionnaire: () => client.get<Questionnaire>('/api/suitability/v1/questionnaire', { anonymous: true }),
  risk: () => client.get<SuitabilityProfile>('/api/suitability/v1/me'),
  assess: (version: string, answers: { question: string; option: string }[]) =>
    client.post<Assessment>('/api/suitability/v1/me/assessments', { version, answers }),
  signWarning: (id: string) => client.post<RiskWarning>(`/api/suitability/v1/me/warnings/${encodeURIComponent(id)}/signature`, { agree: true }),
  // mall (the catalogue is public; signed in, it says what is promoted to the customer)
  products: (category: string, signedIn: boolean) =>
    client.get<Page<Product>>('/api/mall/v1/products', { query: { category, limit: 50 }, anonymous: !signedIn }),
  product: (code: string, signedIn: boolean) => client.get<Product>(`/api/mall/v1/products/${encodeURIComponent(code)}`, { anonymous: !signedIn }),
  // With the session when signed in: a product for qualified investors shows only to them.
  navs: (code: string, signedIn: boolean) =>
    client.get<{ code: string; items: { date: string; nav: string }[] }>(`/api/mall/v1/products/${encodeURIComponent(code)}/navs`, { anonymous: !signedIn }),
  suitability: (code: string) => client.get<SuitabilityCheck>(`/api/mall/v1/products/${encodeURIComponent(code)}/suitability`),
  riskWarning: (code: string) => client.post<RiskWarning>(`/api/mall/v1/products/${encodeURIComponent(code)}/risk-warning`),
  order: (body: { product: string; side: 'subscribe' | 'redeem'; amount?: string; shares?: string; warning_id?: string }, idempotencyKey: string) =>
    client.post<MallOrder>('/api/mall/v1/orders', body, { idempotencyKey }),
  orders: (cursor?: string) => client.get<Page<MallOrder>>('/api/mall/v1/orders', { query: { cursor, limit: 20 } }),
  cancelOrder: (id: string, idempotencyKey: string) =>
    client.post<MallOrder>(`/api/mall/v1/orders/${encodeURIComponent(id)}/cancel`, undefined, { idempotencyKey }),
  holdings: () => client.get<Holdings>('/api/mall/v1/holdings'),
  applications: () => client.get<{ items: InvestorApplication[] }>('/api/suitability/v1/me/applications'),
  uploadEvidence: (name: string, contentType: string, data: string) =>
    client.post<EvidenceFile>('/api/suitability/v1/me/evidence', { name, content_type: contentType, data }),
  apply: (body: { kind: 'qualified' | 'professional'; financial_assets: string; average_income: string; experience_years: number; evidence: string[] }) =>
    client.post<InvestorApplication>('/api/suitability/v1/me/applications', body),
  estimate: (code: string, amount: string) =>
    client.get<SubscriptionEstimate>(`/api/mall/v1/products/${encodeURIComponent(code)}/estimate`, { query: { amount } }),
};

// A short, readable name for this browser, shown in the customer's device list.
export function deviceName(): string {
  const ua = navigator.userAgent;
  const os = /iPhone|iPad/.test(ua) ? 'iOS' : /Android/.test(ua) ? 'Android' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '其他系统';
  const browser = /MicroMessenger/.test(ua) ? '微信' : /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : /Firefox\//.test(ua) ? 'Firefox' : '浏览器';
  return `${os} · ${browser}`.slice(0, 64);
}
