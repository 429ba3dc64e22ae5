import { createRouter, createWebHistory } from 'vue-router';
import { client } from './api';

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/', name: 'home', component: () => import('./pages/HomePage.vue') },
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue') },
    { path: '/me', name: 'me', component: () => import('./pages/MePage.vue'), meta: { signedIn: true } },
    { path: '/me/password', name: 'password', component: () => import('./pages/PasswordPage.vue'), meta: { signedIn: true } },
    { path: '/me/investor', name: 'investor', component: () => import('./pages/InvestorPage.vue'), meta: { signedIn: true } },
    { path: '/risk', name: 'risk', component: () => import('./pages/RiskPage.vue'), meta: { signedIn: true } },
    { path: '/mall', name: 'mall', component: () => import('./pages/mall/MallPage.vue') },
    { path: '/mall/products/:code', name: 'product', component: () => import('./pages/mall/ProductPage.vue') },
    { path: '/mall/trade/:code', name: 'trade', component: () => import('./pages/mall/TradePage.vue'), meta: { signedIn: true } },
    { path: '/mall/holdings', name: 'holdings', component: () => import('./pages/mall/HoldingsPage.vue'), meta: { signedIn: true } },
    { path: '/mall/orders', name: 'orders', component: () => import('./pages/mall/OrdersPage.vue'), meta: { signedIn: true } },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue') },
  ],
});

// The first navigation waits for the page-load refresh: signed in or not is known only then.
router.beforeEach(async (to) => {
  await client.ready();
  if (to.meta.signedIn && !client.current) return { name: 'login', query: { redirect: to.fullPath } };
  return true;
});

// Signed out (here, in another tab, or by a refused refresh): pages that need a customer go.
client.subscribe((s) => {
  if (!s && router.currentRoute.value.meta.signedIn) void router.replace({ name: 'login', query: { redirect: router.currentRoute.value.fullPath } });
});
