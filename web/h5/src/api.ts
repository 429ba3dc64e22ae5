// The H5 app's calls, typed, on the shared client.
import { ApiClient, type CodeSent, type CustomerProfile, type CustomerTokens, type Features, type OutboxItem, type Page,
  type SessionInfo, type SignedOutReason } from '@zhongtai/shared';
import { ref } from 'vue';

export const signedOutNotice = ref<string>('');

export const client = new ApiClient({
  app: 'h5',
  onSignedOut: (reason: SignedOutReason) => {
    if (reason === 'refresh_reused') signedOutNotice.value = '检测到登录凭证被重复使用，为保护账户安全，已在所有设备退出登录，请重新登录';
    else if (reason === 'refresh_refused') signedOutNotice.value = '登录已过期，请重新登录';
    else if (reason === 'elsewhere') signedOutNotice.value = '您已在其他页面退出登录';
  },
});

export const api = {
  features: () => client.get<Features>('/api/gateway/v1/features', { anonymous: true }),
  sendCode: (mobile: string) => client.post<CodeSent>('/api/auth/v1/sms-codes', { mobile }, { anonymous: true }),
  signInWithCode: (mobile: string, code: string, device: string) =>
    client.post<CustomerTokens>('/api/auth/v1/sessions', { mobile, code, device }, { anonymous: true }),
  signInWithPassword: (mobile: string, password: string, device: string) =>
    client.post<CustomerTokens>('/api/auth/v1/sessions/password', { mobile, password, device }, { anonymous: true }),
  profile: () => client.get<CustomerProfile>('/api/auth/v1/me'),
  setPassword: (password: string, current?: string) =>
    client.put<{ message: string }>('/api/auth/v1/me/password', current ? { password, current_password: current } : { password }),
  sessions: () => client.get<{ items: SessionInfo[] }>('/api/auth/v1/me/sessions'),
  endSession: (id: string) => client.delete<object>(`/api/auth/v1/me/sessions/${encodeURIComponent(id)}`),
  outbox: (recipient?: string, cursor?: string) =>
    client.get<Page<OutboxItem>>('/api/notify/v1/outbox', { query: { channel: 'sms', recipient, cursor, limit: 20 }, anonymous: true }),
};

// A short, readable name for this browser, shown in the customer's device list.
export function deviceName(): string {
  const ua = navigator.userAgent;
  const os = /iPhone|iPad/.test(ua) ? 'iOS' : /Android/.test(ua) ? 'Android' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '其他系统';
  const browser = /MicroMessenger/.test(ua) ? '微信' : /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : /Firefox\//.test(ua) ? 'Firefox' : '浏览器';
  return `${os} · ${browser}`.slice(0, 64);
}
