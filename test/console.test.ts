// The operator console's pieces without a browser: its settings (CONSOLE_*), who is logged in (a trusted proxy's
// headers only from its addresses; a token's session cookie and its attributes), where a login may lead, and that
// an alert's text is escaped on the pages. test/console-e2e.test.ts drives the whole console in Chromium.
import { loadConsoleSettings } from '../src/config/console';
import type { IncidentRow } from '../src/console/incidents';
import { nextPath } from '../src/console/login';
import { nowFragment } from '../src/console/now-page';
import { CONSOLE_SECRET, CONSOLE_TOKEN, CONSOLE_USERS, csrfOf } from './helpers/console';
import { startIntake, type IntakeProcess } from './helpers/intake';
import { opensearch, uid } from './helpers/stack';

const load = (env: Record<string, string>) => {
  const problems: string[] = [];
  return { settings: loadConsoleSettings(env, problems), problems };
};

describe('CONSOLE_* settings', () => {
  it('off unless set; on with the secret and a way to log in', () => {
    expect(load({})).toEqual({ settings: undefined, problems: [] });
    const { settings, problems } = load({ CONSOLE_USERS, CONSOLE_SESSION_SECRET: CONSOLE_SECRET, CONSOLE_PROXY_ADDRESSES: '10.0.0.5, 10.1.0.0/16, ::1' });
    expect(problems).toEqual([]);
    expect(settings!.users.map((u) => u.name)).toEqual(['alice']);
    expect(settings!.proxies!.list.check('10.1.200.3', 'ipv4')).toBe(true);
    expect(settings!.proxies!.list.check('::ffff:10.0.0.5', 'ipv6')).toBe(true);
    expect(settings!.proxies!.list.check('10.0.0.6', 'ipv4')).toBe(false);
    expect(settings!.sessionTtlMs).toBe(12 * 3_600_000);
  });

  it('names every problem, never a hash or the secret', () => {
    const secret = 'short-secret';
    const { problems } = load({ CONSOLE_USERS: 'alice:abc, :00, bob:' + 'f'.repeat(64) + ', bob:' + 'e'.repeat(64), CONSOLE_SESSION_SECRET: secret, CONSOLE_PROXY_ADDRESSES: '10.0.0.300,10.0.0.0/40' });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^CONSOLE_SESSION_SECRET: at least 32 characters/),
      expect.stringMatching(/^CONSOLE_USERS: entry 1 \(alice\): expected the token's SHA-256/),
      expect.stringMatching(/^CONSOLE_USERS: entry 2: expected name:<sha256 hex>/),
      'CONSOLE_USERS: bob is listed twice',
      'CONSOLE_PROXY_ADDRESSES: "10.0.0.300" is not an IP address or CIDR range',
      'CONSOLE_PROXY_ADDRESSES: "10.0.0.0/40" is not an IP address or CIDR range',
    ]));
    expect(problems.join('\n')).not.toContain(secret);
    expect(problems.join('\n')).not.toContain('f'.repeat(64));
    expect(problems).toHaveLength(6);
    expect(load({ CONSOLE_USERS }).problems).toEqual([expect.stringMatching(/CONSOLE_SESSION_SECRET is not/)]);
    expect(load({ CONSOLE_SESSION_SECRET: CONSOLE_SECRET }).problems).toEqual([expect.stringMatching(/nobody can log in/)]);
  });
});

describe('logging in (a real intake process: @fastify/cookie loads an ES module jest cannot)', () => {
  const intakes: IntakeProcess[] = [];
  afterAll(async () => {
    for (const i of intakes) await i.kill('SIGKILL');
  });

  /** An intake with the console; its base URL (reached from 127.0.0.1). */
  async function listen(env: Record<string, string>): Promise<string> {
    expect(load(env).problems).toEqual([]);
    const i = await startIntake({ stream: uid('console'), extra: env });
    intakes.push(i);
    return i.url;
  }
  const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: 'manual', headers, signal: AbortSignal.timeout(10_000) });

  it('the proxy\'s X-Forwarded-Email / X-Forwarded-User count only from a configured proxy address', async () => {
    const trusting = await listen({ CONSOLE_SESSION_SECRET: CONSOLE_SECRET, CONSOLE_PROXY_ADDRESSES: '127.0.0.1' });
    const fromProxy = await get(`${trusting}/console/oncall`, { 'x-forwarded-email': 'carol@example.com', 'x-forwarded-user': 'carol' });
    expect(fromProxy.status).toBe(404); // logged in: the page answers that on call is off here
    expect(await fromProxy.text()).toContain('<span>carol@example.com</span>');
    expect(await (await get(`${trusting}/console/oncall`, { 'x-forwarded-user': 'dave' })).text()).toContain('<span>dave</span>');
    expect((await get(`${trusting}/console/oncall`)).status).toBe(303); // the proxy named nobody
    // the same headers from an address that is not a configured proxy: ignored
    const other = await listen({ CONSOLE_SESSION_SECRET: CONSOLE_SECRET, CONSOLE_PROXY_ADDRESSES: '192.0.2.10, 10.0.0.0/8' });
    const direct = await get(`${other}/console/oncall`, { 'x-forwarded-email': 'carol@example.com' });
    expect(direct.status).toBe(303);
    expect(direct.headers.get('location')).toBe('/console/login?next=%2Fconsole%2Foncall');
    // proxy login only: the login form says to go through the proxy, and offers no token field
    const form = await get(`${other}/console/login`);
    expect(form.status).toBe(401);
    expect(await form.text()).not.toContain('Personal token');
  });

  it('a token becomes a signed HttpOnly SameSite=Lax session cookie (Secure behind a TLS proxy); a wrong or forged one logs nobody in', async () => {
    const base = await listen({ CONSOLE_USERS, CONSOLE_SESSION_SECRET: CONSOLE_SECRET, CONSOLE_PROXY_ADDRESSES: '127.0.0.1' });
    const loginAs = async (token: string, headers: Record<string, string> = {}) => {
      const form = await get(`${base}/console/login`, headers);
      const csrfCookie = form.headers.getSetCookie()[0].split(';')[0];
      const res = await fetch(`${base}/console/login`, {
        method: 'POST', redirect: 'manual', headers: { ...headers, cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfOf(await form.text()), token, next: '//evil.example/' }).toString(),
      });
      return { status: res.status, location: res.headers.get('location'), session: res.headers.getSetCookie().find((c) => c.startsWith('console_session=')) };
    };
    const ok = await loginAs(CONSOLE_TOKEN);
    expect(ok.status).toBe(303);
    expect(ok.location).toBe('/console/'); // not the other site it was asked to go to
    expect(ok.session).toMatch(/; Max-Age=43200; Path=\/console; HttpOnly; SameSite=Lax$/);
    expect((await loginAs(CONSOLE_TOKEN, { 'x-forwarded-proto': 'https' })).session).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
    expect(await loginAs('wrong-token-0123456789abcdef')).toMatchObject({ status: 401, session: undefined });

    const cookie = ok.session!.split(';')[0];
    expect(await (await get(`${base}/console/oncall`, { cookie })).text()).toContain('<span>alice</span>');
    const [value, signature] = cookie.slice('console_session='.length).split('.');
    const claims = JSON.parse(Buffer.from(value, 'base64url').toString()) as { n: string; exp: number };
    const forged = Buffer.from(JSON.stringify({ ...claims, n: 'mallory' })).toString('base64url');
    expect((await get(`${base}/console/oncall`, { cookie: `console_session=${forged}.${signature}` })).status).toBe(303);
  });

  it('behind the proxy, an action is the proxy\'s person\'s (CSRF token bound to them); logging out ends a token session', async () => {
    const index = uid('console-alerts');
    const base = await listen({ CONSOLE_USERS, CONSOLE_SESSION_SECRET: CONSOLE_SECRET, CONSOLE_PROXY_ADDRESSES: '127.0.0.1', ALERT_INDEX: index });
    const os = opensearch();
    try {
      const carol = { 'x-forwarded-email': 'carol@example.com' };
      const form = await get(`${base}/console/silences`, carol);
      expect(form.status).toBe(200);
      const cookie = form.headers.getSetCookie()[0].split(';')[0];
      const token = csrfOf(await form.text());
      const post = (headers: Record<string, string>) => fetch(`${base}/console/silences`, {
        method: 'POST', redirect: 'manual', headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, matchers: `team="console-${index}"`, duration: '1h', comment: 'proxy test' }).toString(),
      });
      expect((await post({ 'x-forwarded-email': 'mallory@example.com' })).status).toBe(403); // carol's token is no good for anyone else
      const created = await post(carol);
      expect(created.status).toBe(303);
      const id = decodeURIComponent(/created=(.+)$/.exec(created.headers.get('location') ?? '')![1]);
      const stored = (await os.get({ index: `${index}.silences`, id })).body._source as { createdBy: string };
      expect(stored.createdBy).toBe('carol@example.com');

      // a token session: logged out by the form (with its CSRF token), the cookie is cleared
      const login = await get(`${base}/console/login`);
      const csrfCookie = login.headers.getSetCookie()[0].split(';')[0];
      const res = await fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfOf(await login.text()), token: CONSOLE_TOKEN }).toString() });
      const session = res.headers.getSetCookie().find((c) => c.startsWith('console_session='))!.split(';')[0];
      const page = await get(`${base}/console/oncall`, { cookie: `${csrfCookie}; ${session}` });
      const out = await fetch(`${base}/console/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: `${csrfCookie}; ${session}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfOf(await page.text()) }).toString() });
      expect(out.status).toBe(303);
      expect(out.headers.getSetCookie().find((c) => c.startsWith('console_session='))).toMatch(/^console_session=; Max-Age=0;|Expires=Thu, 01 Jan 1970/);
    } finally {
      await os.indices.delete({ index: `${index}.silences` }).catch(() => undefined);
      await os.close();
    }
  });

  it('where a login may lead: console paths only', () => {
    expect(nextPath('/console/incidents/a%3A1')).toBe('/console/incidents/a%3A1');
    for (const bad of ['//evil.example/', 'https://evil.example/', '/consolex', '/console/login', '/console/\\evil', undefined]) expect(nextPath(bad)).toBe('/console/');
  });
});

it('an alert\'s text is escaped on the Now page (it is untrusted)', () => {
  const evil = '<img src=x onerror=alert(1)>"\'';
  const row: IncidentRow = {
    workflowId: `alerts:1-0"><script>`, state: 'failed', running: true, severity: 'critical', title: evil, firedAt: new Date().toISOString(), escalationLevel: 1,
    pagedPeople: ['<b>bob</b>'], ackedBy: '<i>x</i>', failing: [{ channel: 'hook', lastError: '<script>alert(2)</script>' }],
    doc: { labels: { '<k>': '<v>' } } as unknown as IncidentRow['doc'],
  };
  const out = nowFragment({ team: '"><script>' }, { rows: [row], counts: { firing: 0, escalating: 0, acknowledged: 0, failed: 1, silenced: 0, inhibited: 0, pending: 0, groups: 0 }, at: new Date().toISOString() });
  for (const raw of ['<img', '<script', '<b>', '<i>', '<k>', '<v>']) expect(out).not.toContain(raw);
  expect(out).toContain('data-workflow-id="alerts:1-0&#34;&#62;&#60;script&#62;"');
  expect(out).toContain('&#60;img src&#61;x onerror&#61;alert(1)&#62;&#34;&#39;');
});
