// The real zhongtai binary for browser tests: started on free loopback ports with its own data
// directory, ready when /readyz answers, stopped with SIGTERM (a non-zero exit — a sanitizer
// report, say — fails the test). Paths come from the environment CTest sets:
//   ZT_BINARY      the zhongtai binary under test (the ASan build in `make test`)
//   ZT_WEB_ROOT    the folder holding h5/dist and console/dist
//   ZT_E2E_OUT     where screenshots and logs go
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';

export const binary = process.env.ZT_BINARY ?? '';
export const webRoot = process.env.ZT_WEB_ROOT ?? '';
export const outRoot = process.env.ZT_E2E_OUT ?? join(tmpdir(), 'zt-e2e-out');

// The functional run's log audit (tests/harness/log_audit.hpp): with ZT_LOG_AUDIT_DIR set, the
// secrets these tests handle and every zhongtai log they ran are kept for
// functional.logs_hold_no_secrets.
const auditDir = process.env.ZT_LOG_AUDIT_DIR ?? '';
let archived = 0;

export function rememberSecret(secret) {
  if (!auditDir || typeof secret !== 'string' || secret.length < 6 || secret.includes('\n')) return;
  mkdirSync(join(auditDir, 'secrets'), { recursive: true });
  appendFileSync(join(auditDir, 'secrets', `e2e-${process.pid}.txt`), secret + '\n');
}

function rememberExchange(...texts) {
  if (!auditDir) return;
  const member = /"(password|new_password|current_password|initial_password|refresh_token|access_token|totp_secret|totp_uri)"\s*:\s*"([^"]+)"/g;
  for (const text of texts) {
    if (!text) continue;
    for (const m of text.matchAll(member)) rememberSecret(m[2]);
    // Six-digit codes: TOTP, and SMS codes beside a mobile number (a fund code is no secret).
    if (text.includes('"mobile"')) for (const m of text.matchAll(/"code"\s*:\s*"(\d{6})"/g)) rememberSecret(m[1]);
    for (const m of text.matchAll(/"totp"\s*:\s*"(\d{6})"/g)) rememberSecret(m[1]);
    for (const m of text.matchAll(/验证码为(\d{6})/g)) rememberSecret(m[1]);
  }
}

function archiveLog(file) {
  if (!auditDir || !existsSync(file)) return;
  mkdirSync(join(auditDir, 'logs'), { recursive: true });
  copyFileSync(file, join(auditDir, 'logs', `e2e-${process.pid}-${archived++}.log`));
}

// A port nothing listens on now, and never one this process handed out before: the kernel may
// give a port just released straight back (a fresh-clone run once got the admin port for the
// public one, and the platform refused to start).
const portsGiven = new Set();
function unusedPort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
export async function freePort() {
  for (;;) {
    const port = await unusedPort();
    if (portsGiven.has(port)) continue;
    portsGiven.add(port);
    return port;
  }
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A child's exit as a shell reports it: its code, or 128 + the signal's number.
function exitStatus(code, signal) {
  return code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
}

// What a promise settles to, or `fallback` after `ms` — the timer cleared either way, so that a
// finished test file does not wait for it to run out before node exits.
async function within(promise, ms, fallback) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function eventually(fn, timeoutMs = 10000, stepMs = 100) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(stepMs);
  }
  throw new Error(`not within ${timeoutMs} ms: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

const testKey = 'zhongtai e2e tests: a staff key of 32+';

// What a test talks to — one process (Zhongtai) or the whole platform (Platform): its public
// port, its log, and staff tokens it accepts (started with staffKey).
class Served {
  url(path = '/') {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  log() {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  // A staff token from the test key, with these permissions.
  staffToken(perms) {
    return staffToken(perms);
  }
}

export class Zhongtai extends Served {
  // targets: "all" or a list; env: extra ZT_* settings; staffKey: the gateway also accepts staff
  // tokens from a test key (z.staffToken), for set-up steps the test does not drive in a browser.
  static async start({ targets = 'all', env = {}, dataDir, name = 'zhongtai', staffKey = false } = {}) {
    if (!binary) throw new Error('ZT_BINARY is not set (CTest sets it: ctest -L e2e)');
    if (!existsSync(join(webRoot, 'h5', 'dist', 'index.html')) || !existsSync(join(webRoot, 'console', 'dist', 'index.html')))
      throw new Error(`no web bundles under ${webRoot}: run scripts/build-web (make test does)`);
    const z = new Zhongtai();
    z.root = dataDir ?? tempDir('zt-e2e-');
    z.port = Number(env.ZT_SERVER__PORT ?? (await freePort()));
    z.admin = await freePort();
    z.logFile = join(z.root, `${name}.log`);
    if (staffKey) env = { ZT_GATEWAY__JWT_KEYS_FILE: writeStaffKey(z.root), ...env };
    const fd = openSync(z.logFile, 'a');
    z.proc = spawn(binary, ['serve', '--target', targets], {
      cwd: z.root,
      stdio: ['ignore', fd, fd],
      env: {
        ...process.env,
        ZT_SERVER__HOST: '127.0.0.1',
        ZT_SERVER__PORT: String(z.port),
        ZT_ADMIN__PORT: String(z.admin),
        ZT_NODE__DATA_DIR: join(z.root, 'data'),
        ZT_RUNTIME__IO_THREADS: '2',
        ZT_GATEWAY__STATIC_ROOT: webRoot,
        ZT_MALL__DEMO_PRODUCTS: 'false',  // tests set up their own products; the demo test asks for these
        ...env,
      },
    });
    z.exited = new Promise((resolve) => z.proc.on('exit', (code, signal) => resolve(exitStatus(code, signal))));
    z.followers = 1;  // one process acknowledges a config version
    await eventually(async () => {
      if (z.proc.exitCode !== null) throw new Error(`zhongtai exited: ${z.log().slice(-2000)}`);
      const r = await fetch(`http://127.0.0.1:${z.admin}/readyz`);
      return r.status === 200;
    }, 30000);
    return z;
  }

  async stop() {
    let code = this.proc.exitCode;
    if (code === null) {
      this.proc.kill('SIGTERM');
      code = await within(this.exited, 30000, -1);
      if (code === -1) this.proc.kill('SIGKILL');
    }
    archiveLog(this.logFile);
    return code;
  }
}

// The test key's file, for the gateway to accept staff tokens made here (staffToken).
function writeStaffKey(dir) {
  const keys = join(dir, 'e2e-keys.json');
  writeFileSync(keys, JSON.stringify({ keys: [{ kty: 'oct', kid: 'zt-e2e-staff', alg: 'HS256', k: Buffer.from(testKey).toString('base64url') }] }));
  return keys;
}

function staffToken(perms) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'JWT', kid: 'zt-e2e-staff' });
  const body = enc({ iss: 'zhongtai', aud: 'zhongtai-api', sub: 'S-e2e', typ: 'staff', sid: 'sess-e2e', iat: now, exp: now + 1800,
    jti: `e2e-${now}-${Math.random()}`, roles: ['operations'], perms });
  const sig = createHmac('sha256', testKey).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

// The platform in a run mode, as the functional tests run it (tests/tools/platform_up, built on
// harness/platform.hpp): `all` is one process; `split` is the production layout — the registry on
// etcd and every service its own process against PostgreSQL and Redis — behind the gateway. The
// same interface as Zhongtai for a test (url, staffToken, log, stop); the processes' logs join
// the log audit.
export class Platform extends Served {
  static async start({ mode = 'split', env = {}, name = 'platform', staffKey = false } = {}) {
    const tool = process.env.ZT_PLATFORM_UP ?? '';
    if (!tool) throw new Error('ZT_PLATFORM_UP is not set (CTest sets it: ctest -L e2e)');
    const p = new Platform();
    p.root = tempDir('zt-e2e-platform-');
    p.logFile = join(p.root, `${name}.log`);
    const settings = { ZT_GATEWAY__STATIC_ROOT: webRoot, ...(staffKey ? { ZT_GATEWAY__JWT_KEYS_FILE: writeStaffKey(p.root) } : {}), ...env };
    const fd = openSync(p.logFile, 'a');
    p.proc = spawn(tool, [mode, ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)], { stdio: ['pipe', 'pipe', fd] });
    p.proc.stdin.on('error', () => {});  // it may have ended already: nothing to tell it then
    p.exited = new Promise((resolve) => p.proc.on('exit', (code, signal) => resolve(exitStatus(code, signal))));
    try {
      const first = await p.firstLine(mode);
      const { port, followers } = JSON.parse(first);
      p.port = port;
      p.followers = followers;
    } catch (e) {
      // Whatever went wrong, the platform goes: closing its input stops every process it started
      // (it may still be starting them; it stops them once it has).
      await p.stop();
      throw e;
    }
    return p;
  }

  firstLine(mode) {
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the ${mode} platform did not start in 180 s: ${this.log().slice(-2000)}`)), 180000);
      this.proc.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.slice(0, out.indexOf('\n')));
        }
      });
      this.proc.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the ${mode} platform ended before it started: ${this.log().slice(-2000)}`));
      });
    });
  }

  // Closing its input stops every process; the exit status says whether each stopped cleanly.
  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.stdin.end();
    const code = await within(this.exited, 120000, -1);
    if (code === -1) this.proc.kill('SIGKILL');
    return code;
  }
}

// `zhongtai admin create --first-run` before the first start, as `make run` does: the one-time
// enrolment it prints (initial password and TOTP secret).
export function firstAdmin(dataDir) {
  const out = execFileSync(binary, ['admin', 'create', '--first-run'], {
    env: { ...process.env, ZT_NODE__DATA_DIR: join(dataDir, 'data') },
    encoding: 'utf8',
  });
  const password = out.match(/初始密码：\s+(\S+)/)?.[1];
  const secret = out.match(/secret=([A-Z2-7]+)&/)?.[1];
  if (!password || !secret) throw new Error(`no enrolment in: ${out}`);
  rememberSecret(password);
  rememberSecret(secret);
  return { username: 'admin', password, secret };
}

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// RFC 6238: HMAC-SHA1, 30-second steps, 6 digits — what an authenticator app shows.
export function totp(secretBase32, atMs = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const mac = createHmac('sha1', base32(secretBase32)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const code = ((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
  return code;
}

// A step not used yet by this account: staff sign-in accepts each step once, so a second sign-in
// of the same account within 30 seconds waits for the next one.
const lastStep = new Map();
export async function freshTotp(secretBase32) {
  for (;;) {
    const step = Math.floor(Date.now() / 30000);
    if (step > (lastStep.get(secretBase32) ?? 0)) {
      lastStep.set(secretBase32, step);
      const code = totp(secretBase32);
      rememberSecret(code);
      return code;
    }
    await sleep(500);
  }
}

export async function api(z, method, path, body, token, headers = {}) {
  const res = await fetch(z.url(path), {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  rememberExchange(body === undefined ? '' : JSON.stringify(body), text);
  let json = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { raw: text };
  }
  return { status: res.status, body: json, headers: res.headers };
}

// The header with which the web apps ask for the refresh token as a cookie (web/shared/src/client.ts).
export const refreshCookieHeader = 'x-refresh-cookie';

// What a web app's refresh cookie does on the wire: POST /api/auth/v1/tokens/refresh with the
// cookie and the header asking for it (kind: customer or staff). Answers the status, the body and
// the rotated cookie's value ('' when the answer cleared or set none).
export async function refreshWithCookie(z, kind, value) {
  const name = kind === 'staff' ? 'zt_staff_refresh' : 'zt_refresh';
  const r = await api(z, 'POST', '/api/auth/v1/tokens/refresh', {}, undefined, { [refreshCookieHeader]: kind, cookie: `${name}=${value}` });
  rememberSecret(value);
  let rotated = '';
  for (const c of r.headers.getSetCookie()) if (c.startsWith(`${name}=`)) rotated = c.slice(name.length + 1).split(';')[0];
  rememberSecret(rotated);
  return { ...r, cookie: rotated };
}

export function outDir(name) {
  const dir = join(outRoot, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
