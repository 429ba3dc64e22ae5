// The signed-in staff member: who, and what their roles permit (the gateway and the services
// check again; the console only hides what would be refused).
import { computed, ref } from 'vue';
import type { Features, StaffProfile } from '@zhongtai/shared';
import { api, client } from './api';

export const me = ref<StaffProfile | null>(null);
// What the gateway says of the platform (sandbox mode shows the sandbox pages); null until known.
export const features = ref<Features | null>(null);

export async function loadFeatures(): Promise<void> {
  try {
    features.value = await api.features();
  } catch {
    features.value = null; // the sandbox pages stay hidden; the rest works
  }
}

// The last trading day on or before the business date (a NAV's and an end of day's date), from the
// features the shell reads on every page (read now only when it has none); the business date in
// Asia/Shanghai when the calendar cannot say.
export async function lastTradingDay(): Promise<string> {
  if (!features.value) await loadFeatures();
  const f = features.value;
  return f?.last_trading_day ?? f?.business_date ?? new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

export async function loadMe(): Promise<StaffProfile | null> {
  if (!client.current) {
    me.value = null;
    return null;
  }
  me.value = await api.me();
  return me.value;
}

export function can(permission: string): boolean {
  return me.value?.permissions.includes(permission) ?? false;
}

export const author = computed(() => me.value?.staff.username ?? '');

client.subscribe((s) => {
  if (!s) me.value = null;
});
