import { createRouter, createWebHistory } from 'vue-router';
import { client } from './api';
import { can, loadMe, me } from './staff';

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/', redirect: '/services' },
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { bare: true } },
    { path: '/password', name: 'password', component: () => import('./pages/PasswordPage.vue'), meta: { bare: true, staff: true } },
    { path: '/services', name: 'services', component: () => import('./pages/ServicesPage.vue'), meta: { staff: true, permission: 'governance.read' } },
    { path: '/configs', name: 'configs', component: () => import('./pages/ConfigsPage.vue'), meta: { staff: true, permission: 'governance.read' } },
    { path: '/flow', name: 'flow', component: () => import('./pages/FlowPage.vue'), meta: { staff: true, permission: 'governance.read' } },
    { path: '/observer', name: 'observer', component: () => import('./pages/ObserverPage.vue'), meta: { staff: true, permission: 'governance.read' } },
    { path: '/traces', name: 'traces', component: () => import('./pages/TracesPage.vue'), meta: { staff: true, permission: 'governance.read' } },
    { path: '/traces/:id', name: 'trace', component: () => import('./pages/TracesPage.vue'), meta: { staff: true, permission: 'governance.read' } },
    { path: '/logs', name: 'logs', component: () => import('./pages/LogsPage.vue'), meta: { staff: true, permission: 'governance.read' } },
    { path: '/alerts', name: 'alerts', component: () => import('./pages/AlertsPage.vue'), meta: { staff: true, permission: 'governance.read' } },
    { path: '/audit', name: 'audit', component: () => import('./pages/AuditPage.vue'), meta: { staff: true, permission: 'audit.read' } },
    { path: '/sandbox', name: 'sandbox', component: () => import('./pages/SandboxCounterPage.vue'), meta: { staff: true, permission: 'sandbox.manage' } },
    { path: '/sandbox/outbox', name: 'sandbox-outbox', component: () => import('./pages/SandboxOutboxPage.vue'), meta: { staff: true, permission: 'sandbox.manage' } },
    { path: '/products', name: 'products', component: () => import('./pages/ProductsPage.vue'), meta: { staff: true, permission: 'products.manage' } },
    { path: '/mall-orders', name: 'mall-orders', component: () => import('./pages/MallOrdersPage.vue'), meta: { staff: true, permission: 'orders.read' } },
    { path: '/mall-stuck', name: 'mall-stuck', component: () => import('./pages/MallStuckPage.vue'), meta: { staff: true, permission: 'orders.read' } },
    { path: '/mall-reconciliation', name: 'mall-reconciliation', component: () => import('./pages/MallReconciliationPage.vue'), meta: { staff: true, permission: 'orders.read' } },
    { path: '/customers', name: 'customers', component: () => import('./pages/CustomersPage.vue'), meta: { staff: true, permission: 'customers.read' } },
    { path: '/reviews', name: 'reviews', component: () => import('./pages/ReviewsPage.vue'), meta: { staff: true, permission: 'reviews.approve' } },
    { path: '/staff', name: 'staff', component: () => import('./pages/StaffPage.vue'), meta: { staff: true, permission: 'staff.manage' } },
    { path: '/home', name: 'home', component: () => import('./pages/HomePage.vue'), meta: { staff: true } },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue'), meta: { staff: true } },
  ],
});

// The first navigation waits for the page-load refresh: signed in or not is known only then.
router.beforeEach(async (to) => {
  await client.ready();
  if (!to.meta.staff) return true;
  if (!client.current) return { name: 'login', query: { redirect: to.fullPath } };
  if (!me.value) {
    try {
      await loadMe();
    } catch {
      return { name: 'login', query: { redirect: to.fullPath } };
    }
  }
  if (me.value?.staff.password_change_required && to.name !== 'password') return { name: 'password' };
  const permission = to.meta.permission as string | undefined;
  if (permission && !can(permission)) return to.name === 'services' ? { name: 'home' } : { name: 'home', query: { denied: to.name as string } };
  return true;
});

client.subscribe((s) => {
  if (!s && router.currentRoute.value.meta.staff) void router.replace({ name: 'login' });
});
