// One typed API client for both apps (issue 7): every answer outside 2xx becomes an ApiError in
// the project's error shape (code, Chinese message, trace id); the access token is refreshed once
// however many requests find it expired (one refresh in flight, the rest wait for it); when the
// refresh token is refused — reused (taken as theft: the server has revoked the session), expired
// or revoked — the session ends in every tab of the app at once.
//
// Where the tokens live (docs/security.md): the access token only in this module's memory, one
// per page; the refresh token in an HttpOnly, SameSite=Strict cookie scoped to the refresh path,
// which no script can read. Sign-in, refresh and logout ask for the cookie with a header (which a
// form on another site cannot send); their answers' refresh_token is then empty. A page that
// loads without a token in memory refreshes once to learn whether it is signed in.

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

// What a sign-in or refresh answers, for customers and staff alike: the tokens, and who and which
// session they are for (customer_id or staff_id, session_id; for staff roles, permissions and
// password_change_required), which the app keeps in memory beside the access token.
export interface TokenAnswer {
  access_token: string;
  refresh_token?: string; // empty: it is in the HttpOnly cookie
  token_type?: string;
  expires_in: number;
}

export interface Session<Info extends object = Record<string, unknown>> {
  accessToken: string;
  expiresAt: number; // ms since the epoch, from the token's own exp
  subject: string;
  // The rest of the answer: who and which session (no token).
  info: Info;
}

export type SignedOutReason = 'logout' | 'refresh_reused' | 'refresh_refused' | 'elsewhere';

export interface ClientOptions {
  // Lock, broadcast channel and hint names: one per app, so the console and H5 never share.
  app: string;
  // Which refresh cookie the app asks for (X-Refresh-Cookie; not an x-zt- header, which the gateway drops): the H5 app's or the console's.
  refreshCookie: 'customer' | 'staff';
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
  // Sign-in: the answer sets the refresh cookie (and carries an empty refresh_token).
  refreshCookie?: boolean;
  signal?: AbortSignal;
  // The answer is a file (an evidence image or PDF), not JSON: a Blob on success.
  file?: boolean;
}

const REFRESH_PATH = '/api/auth/v1/tokens/refresh';
export const REFRESH_COOKIE_HEADER = 'X-Refresh-Cookie';
// A token this close to its expiry is refreshed before it is sent.
const MARGIN_MS = 15_000;

function decodeClaims(jwt: string): Record<string, unknown> {
  try {
    const part = jwt.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((part.length + 3) % 4));
    return JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function sessionFrom<Info extends object>(answer: TokenAnswer): Session<Info> {
  const { access_token, refresh_token: _r, token_type: _t, expires_in, ...info } = answer as TokenAnswer & Record<string, unknown>;
  const claims = decodeClaims(access_token);
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now() + expires_in * 1000;
  return {
    accessToken: access_token,
    expiresAt: exp,
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    info: info as unknown as Info,
  };
}

const fresh = (s: Session<object> | null): boolean => s !== null && s.expiresAt - Date.now() >= MARGIN_MS;

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

type Message<Info extends object> =
  | { type: 'signed-in'; session: Session<Info> }
  | { type: 'refreshed'; session: Session<Info> }
  | { type: 'signed-out' };

export class ApiClient<Info extends object = Record<string, unknown>> {
  private session: Session<Info> | null = null;
  private refreshing: Promise<Session<Info> | null> | null = null;
  private booting: Promise<Session<Info> | null> | null = null;
  // Not a token: whether this browser has signed in to the app, so that a visitor who never did
  // is not sent on a refresh bound to be refused.
  private readonly hintKey: string;
  private readonly channel: BroadcastChannel | null;
  private readonly fetchImpl: typeof fetch;
  private listeners = new Set<(s: Session<Info> | null) => void>();

  constructor(private readonly options: ClientOptions) {
    this.hintKey = `zt.${options.app}.signed-in`;
    this.fetchImpl = options.fetchImpl ?? ((...a) => fetch(...a));
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`zt.${options.app}.session`);
    this.channel?.addEventListener('message', (e: MessageEvent) => {
      const data = e.data as Message<Info>;
      if (data.type === 'signed-out') this.end('elsewhere', false);
      // Another tab signed in, or refreshed (the cookie has rotated): its access token serves
      // here too, so this tab need not refresh itself.
      if (data.type === 'signed-in') this.adopt(data.session);
      if (data.type === 'refreshed' && (!this.session || data.session.expiresAt >= this.session.expiresAt)) this.adopt(data.session);
    });
  }

  get current(): Session<Info> | null {
    return this.session;
  }

  // Notified on every sign-in, refresh and sign-out.
  subscribe(fn: (s: Session<Info> | null) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // Once per page load: whether the browser holds a live session (the refresh cookie), learned by
  // refreshing it. Routers wait for this before their first decision.
  ready(): Promise<Session<Info> | null> {
    if (!this.booting) {
      if (this.session || !this.hinted()) this.booting = Promise.resolve(this.session);
      else this.booting = this.refresh(null).catch(() => null);
    }
    return this.booting;
  }

  // The sign-in answer (asked for with refreshCookie: true).
  signedIn(answer: TokenAnswer): Session<Info> {
    const s = sessionFrom<Info>(answer);
    this.hint(true);
    this.adopt(s);
    this.channel?.postMessage({ type: 'signed-in', session: s } satisfies Message<Info>);
    return s;
  }

  // Ends the session here and in the app's other tabs (the server side is the caller's call).
  signOut(reason: SignedOutReason = 'logout'): void {
    this.end(reason, true);
  }

  // Logout: the server ends the session (its logout endpoint) and clears the cookie, then this app
  // everywhere. A session the server already ended is signed out here all the same.
  async logout(path: string): Promise<void> {
    try {
      if (this.session) await this.post<object>(path, undefined, { refreshCookie: true });
    } catch {
      /* already over on the server */
    }
    this.end('logout', true);
  }

  // A new access token now (after a change that alters its claims, such as a staff member's first
  // password change); null when the session has ended.
  renew(): Promise<Session<Info> | null> {
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
    let session = opts.anonymous ? null : (this.session ?? (await this.ready()));
    // A token about to expire is refreshed first rather than sent to be refused; when the
    // refresh ends the session, the call is not sent at all.
    if (session && !fresh(session)) {
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
    if (opts.file && res.ok) return (await res.blob()) as T;
    return this.read<T>(res);
  }

  // A file the API answers (with the signed-in session, refreshed as any call).
  getFile(path: string): Promise<Blob> {
    return this.request<Blob>('GET', path, { file: true });
  }

  private async send(method: string, path: string, opts: RequestOptions, session: Session<Info> | null): Promise<Response> {
    const headers: Record<string, string> = { accept: opts.file ? '*/*' : 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (session) headers.authorization = `Bearer ${session.accessToken}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    if (opts.refreshCookie) headers[REFRESH_COOKIE_HEADER] = this.options.refreshCookie;
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
        credentials: 'same-origin',
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
  // `stale` is the session found too old (null: none in memory yet, as on page load).
  private refresh(stale: Session<Info> | null): Promise<Session<Info> | null> {
    if (this.session && this.session !== stale && fresh(this.session)) return Promise.resolve(this.session);
    if (!this.refreshing) {
      this.refreshing = this.inTurn(() => this.refreshNow(stale)).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  // Tabs of one app share the refresh cookie: two presenting it at once would look like theft and
  // end the session. A Web Lock makes them take turns. The cookie a refresh rotates is stored
  // before its answer reaches the page, so the next holder presents the new one — or, told of
  // the refresh meanwhile (the broadcast), takes its access token and does not refresh at all.
  private async inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    if (!locks) return fn();
    return (await locks.request(`zt.${this.options.app}.refresh`, fn)) as T;
  }

  private async refreshNow(stale: Session<Info> | null): Promise<Session<Info> | null> {
    // Another tab refreshed (or signed in) while this one waited: its token serves.
    const known = this.session;
    if (known && known.accessToken !== stale?.accessToken && fresh(known)) return known;
    const res = await this.send('POST', REFRESH_PATH, { body: {}, refreshCookie: true }, null);
    if (res.ok) {
      const s = sessionFrom<Info>((await res.json()) as TokenAnswer);
      this.hint(true);
      this.adopt(s);
      this.channel?.postMessage({ type: 'refreshed', session: s } satisfies Message<Info>);
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
    this.hint(false);
    if (broadcast) this.channel?.postMessage({ type: 'signed-out' } satisfies Message<Info>);
    this.listeners.forEach((fn) => fn(null));
    if (had || reason !== 'elsewhere') this.options.onSignedOut?.(reason);
  }

  private adopt(s: Session<Info> | null): void {
    this.session = s;
    this.listeners.forEach((fn) => fn(s));
  }

  private hinted(): boolean {
    try {
      return localStorage.getItem(this.hintKey) === '1';
    } catch {
      return true; // storage unavailable: ask the server
    }
  }

  private hint(on: boolean): void {
    try {
      if (on) localStorage.setItem(this.hintKey, '1');
      else localStorage.removeItem(this.hintKey);
    } catch {
      /* storage unavailable: every page load asks the server */
    }
  }
}

// A fresh key for one money-moving action (kept by the caller for its retries).
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
