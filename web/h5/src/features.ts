// What the gateway says the app may show: the sandbox banner and the business areas that run.
import { ref } from 'vue';
import type { Features } from '@zhongtai/shared';
import { api } from './api';

export const features = ref<Features | null>(null);
export const featuresError = ref('');

export async function loadFeatures(): Promise<void> {
  try {
    features.value = await api.features();
    featuresError.value = '';
  } catch {
    featuresError.value = '暂时无法获取业务列表，请下拉刷新重试';
  }
}
