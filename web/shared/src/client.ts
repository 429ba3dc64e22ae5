// One typed API client for both apps (issue 7): every answer outside 2xx becomes an ApiError in
// the project's error shape (code, Chinese message, trace id); the access token is refreshed once
// however many requests find it expired (one refresh in flight, the rest wait for it); when the
// refresh token is refused — reused (taken as theft: the server has revoked the session), expired
// or revoked — the session ends in every tab of the app at once.

export interface ApiErrorBody {
  code: string;
  message: string;
  trace_id?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly traceId: string;
  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.traceId = body.trace_id ?? '';
  }
}

// What a sign-in answers, for customers and staff alike (the rest of the answer is the app's).
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: number; // ms since the epoch, from the token's own exp
  subject: string;
}

export type SignedOutReason = 'logout' | 'refresh_reused' | 'refresh_refused' | 'elsewhere';

export interface ClientOptions {
  // Storage key and broadcast channel name: one per app, so the console and H5 never share.
  app: string;
  onSignedOut?: (reason: SignedOutReason) => void;
  fetchImpl?: typeof fetch;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  // Money-moving calls carry one; a retry of the same action must reuse it.
  idempotencyKey?: string;
  // Anonymous calls (sign-in, codes) do not send or refresh a token.
  anonymous?: boolean;
  signal?: AbortSignal;
}

const REFRESH_PATH = '/api/auth/v1/tokens/refresh';

function decodeClaims(jwt: string): Record<string, unknown> {
  try {
    const part = jwt.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4));
    return JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function sessionFrom(tokens: TokenPair): Session {
  const claims = decodeClaims(tokens.access_token);
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now() + tokens.expires_in * 1000;
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: exp,
    subject: typeof claims.sub === 'string' ? claims.sub : '',
  };
}

// A failure that is not in the error shape (the network, a proxy's HTML page) still reaches the
// user in Chinese, never as a raw exception.
function unexpected(status: number, text: string): ApiError {
  if (status === 0) return new ApiError(0, { code: 'NETWORK_ERROR', message: '网络连接失败，请检查网络后重试' });
  return new ApiError(status, {
    code: 'UNEXPECTED_RESPONSE',
    message: `服务暂时不可用（${status}），请稍后重试`,
    trace_id: text.match(/"trace_id"\s*:\s*"([0-9a-f]+)"/)?.[1],
  });
}

function signedOutError(): ApiError {
  return new ApiError(401, { code: 'SESSION_ENDED', message: '登录已失效，请重新登录' });
}

export class ApiClient {
  private session: Session | null = null;
  private refreshing: Promise<Session | null> | null = null;
  private rotated: Session | null = null; // the newest session another tab refreshed to
  private readonly storageKey: string;
  private readonly channel: BroadcastChannel | null;
  private readonly fetchImpl: typeof fetch;
  private listeners = new Set<(s: Session | null) => void>();

  constructor(private readonly options: ClientOptions) {
    this.storageKey = `zt.${options.app}.session`;
    this.fetchImpl = options.fetchImpl ?? ((...a) => fetch(...a));
    this.session = this.load();
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`zt.${options.app}.session`);
    this.channel?.addEventListener('message', (e: MessageEvent) => {
      const data = e.data as { type: string };
      if (data.type === 'signed-out') this.end('elsewhere', false);
      if (data.type === 'signed-in') {
        this.rotated = null;
        this.adopt(this.load());
      }
      // Another tab rotated the refresh token: remember its result, since this tab's view of
      // localStorage may lag behind it for a moment.
      if (data.type === 'refreshed') this.rotated = (e.data as { session: Session }).session;
    });
  }

  get current(): Session | null {
    return this.session;
  }

  // Notified on every sign-in, refresh and sign-out.
  subscribe(fn: (s: Session | null) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  signedIn(tokens: TokenPair): Session {
    const s = sessionFrom(tokens);
    this.store(s);
    this.adopt(s);
    this.channel?.postMessage({ type: 'signed-in' });
    return s;
  }

  // Ends the session here and in the app's other tabs (the server side is the caller's call).
  signOut(reason: SignedOutReason = 'logout'): void {
    this.end(reason, true);
  }

  // Logout: the server ends the session (its logout endpoint), then this app everywhere. A
  // session the server already ended is signed out here all the same.
  async logout(path: string): Promise<void> {
    try {
      if (this.session) await this.post<object>(path);
    } catch {
      /* already over on the server */
    }
    this.end('logout', true);
  }

  // A new access token now (after a change that alters its claims, such as a staff member's first
  // password change); null when the session has ended.
  renew(): Promise<Session | null> {
    return this.session ? this.refresh(this.session) : Promise.resolve(null);
  }

  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, opts);
  }
  post<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, body });
  }
  put<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...opts, body });
  }
  patch<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...opts, body });
  }
  delete<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, opts);
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    let session = opts.anonymous ? null : this.session;
    // A token about to expire is refreshed first rather than sent to be refused; when the
    // refresh ends the session, the call is not sent at all.
    if (session && session.expiresAt - Date.now() < 15_000) {
      session = await this.refresh(session);
      if (!session) throw signedOutError();
    }
    let res = await this.send(method, path, opts, session);
    if (res.status === 401 && session && !opts.anonymous) {
      const body = await res.clone().json().catch(() => ({}) as Partial<ApiErrorBody>);
      if (body.code === 'GATEWAY_TOKEN_EXPIRED' || body.code === 'GATEWAY_TOKEN_INVALID') {
        const renewed = await this.refresh(session);
        if (!renewed) throw signedOutError();
        res = await this.send(method, path, opts, renewed);
      }
    }
    return this.read<T>(res);
  }

  private async send(method: string, path: string, opts: RequestOptions, session: Session | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (session) headers.authorization = `Bearer ${session.accessToken}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let url = path;
    if (opts.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
      const s = q.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    try {
      return await this.fetchImpl(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw unexpected(0, '');
    }
  }

  private async read<T>(res: Response): Promise<T> {
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : {}) as T;
    let body: Partial<ApiErrorBody> = {};
    try {
      body = JSON.parse(text) as Partial<ApiErrorBody>;
    } catch {
      throw unexpected(res.status, text);
    }
    if (typeof body.code !== 'string' || typeof body.message !== 'string') throw unexpected(res.status, text);
    throw new ApiError(res.status, body as ApiErrorBody);
  }

  // One refresh for all: callers that find the token stale while a refresh runs wait for it.
  private refresh(stale: Session): Promise<Session | null> {
    if (this.session && this.session.accessToken !== stale.accessToken) return Promise.resolve(this.session);
    if (!this.refreshing) {
      this.refreshing = this.doRefresh(stale).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  // Tabs of one app share the refresh token: two presenting it at once would look like theft and
  // end the session. A Web Lock makes them take turns; the second then finds the first's result.
  private async doRefresh(stale: Session): Promise<Session | null> {
    const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    if (!locks) return this.refreshNow(stale);
    return await locks.request(`zt.${this.options.app}.refresh`, async () => {
      const s = await this.refreshNow(stale);
      // Held a moment longer: localStorage and the broadcast reach the other tabs asynchronously,
      // and the next holder must see the rotated token rather than present the old one again.
      await new Promise((r) => setTimeout(r, 300));
      return s;
    });
  }

  private async refreshNow(stale: Session): Promise<Session | null> {
    // Another tab may have rotated the token already: take its result rather than reuse ours.
    for (const known of [this.load(), this.rotated]) {
      if (known && known.refreshToken !== stale.refreshToken && known.expiresAt >= stale.expiresAt) {
        if (known !== this.load()) this.store(known);
        this.adopt(known);
        return known;
      }
    }
    const res = await this.send('POST', REFRESH_PATH, { body: { refresh_token: stale.refreshToken } }, null);
    if (res.ok) {
      const s = sessionFrom((await res.json()) as TokenPair);
      this.store(s);
      this.adopt(s);
      this.channel?.postMessage({ type: 'refreshed', session: s });
      return s;
    }
    const body = (await res.json().catch(() => ({}))) as Partial<ApiErrorBody>;
    if (res.status === 401) {
      this.end(body.code === 'AUTH_REFRESH_REUSED' ? 'refresh_reused' : 'refresh_refused', true);
      return null;
    }
    throw body.code && body.message ? new ApiError(res.status, body as ApiErrorBody) : unexpected(res.status, '');
  }

  private end(reason: SignedOutReason, broadcast: boolean): void {
    const had = this.session !== null;
    this.session = null;
    this.rotated = null;
    try {
      localStorage.removeItem(this.storageKey);
    } catch {
      /* storage unavailable: the in-memory session is gone all the same */
    }
    if (broadcast) this.channel?.postMessage({ type: 'signed-out' });
    this.listeners.forEach((fn) => fn(null));
    if (had || reason !== 'elsewhere') this.options.onSignedOut?.(reason);
  }

  private adopt(s: Session | null): void {
    this.session = s;
    this.listeners.forEach((fn) => fn(s));
  }

  private load(): Session | null {
    try {
      const raw = localStorage.getItem(this.storageKey);
      return raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      return null;
    }
  }

  private store(s: Session): void {
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(s));
    } catch {
      /* private mode: the session lives in memory only */
    }
  }
}

// A fresh key for one money-moving action (kept by the caller for its retries).
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
