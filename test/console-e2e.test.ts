// The operator console (src/console/) in headless Chromium (playwright-core, Debian's /usr/bin/chromium) on the real
// stack: a real intake serving /console (token login), a worker and an ingest, a local receiver, and a seconds-long
// escalation (`chat` at once, `pager` after 4 s, `manager` after 12 s), as test/escalation-e2e.test.ts. Asserted:
// nothing is served or done without login; a POST without the CSRF token is refused; an alert shows on Now within
// seconds without a reload; Acknowledge in the console stops the escalation (the closed run's history notified chat
// and the pager, never the manager); Resolve publishes the resolved event; a silence made in the console holds the
// next matching alert back (no notification in its history) and Expire lets it through; Retry of a parked alert
// after its receiver recovers delivers it; an override made on the On call page shows; axe-core finds no serious or
// critical violation on any page, at a desktop and a phone-sized viewport.
// Screenshots go to CONSOLE_SCREENSHOTS (e.g. docs) when set, else to a temporary directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { alertEvent } from './helpers/alerts';
import { CONSOLE_SECRET, CONSOLE_USERS, csrfOf, loginInBrowser, loginWithFetch, Jar, send, seriousViolations } from './helpers/console';
import { closedHistory, notifiedChannels, notifyCalls } from './helpers/histories';
import { startIntake, streamEvents, type IntakeProcess } from './helpers/intake';
import { Pipeline } from './helpers/pipeline';
import { OPENSEARCH_URL, ROOT, uid } from './helpers/stack';
import { launchChromium } from './helpers/web-ui';

jest.setTimeout(240_000);

const LEVEL1_MS = 4_000;
const LEVEL2_MS = 12_000;
const SHOTS = process.env.CONSOLE_SCREENSHOTS ? path.resolve(ROOT, process.env.CONSOLE_SCREENSHOTS) : fs.mkdtempSync(path.join(os.tmpdir(), 'console-shots-'));
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

const p = new Pipeline();
let dir: string;
let intake: IntakeProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let flakyUp = false;

const postsTo = (urlPath: string, alertId: string) => p.receiver.posts.filter((x) => x.path === urlPath && x.json?.data?.alertId === alertId);
const firstPost = (urlPath: string, alertId: string, timeoutMs = 60_000) =>
  p.receiver.waitFor(() => postsTo(urlPath, alertId).length > 0, timeoutMs).then(() => postsTo(urlPath, alertId)[0]);
const rowOf = (messageId: string) => `tr[data-workflow-id="${p.key(messageId)}"]`;
const shot = (name: string, target = page) => target.screenshot({ path: path.join(SHOTS, name), fullPage: true });

function writeFiles(): { oncallFile: string } {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-e2e-'));
  p.channelsFile = path.join(dir, 'channels.yaml');
  const hook = (name: string, urlPath: string, extra = '') => [`  ${name}:`, '    type: webhook', `    url: ${p.receiver.url.replace('/alerts', urlPath)}`, '    timeout: 3s',
    `    retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: ${extra ? 2 : 5} }`, ...(extra ? [extra] : [])];
  fs.writeFileSync(p.channelsFile, [
    'channels:', ...hook('chat', '/chat'), ...hook('pager', '/pager'), ...hook('manager', '/manager'), ...hook('flaky', '/flaky', '    deadline: 5s'), ...hook('push', '/push'),
    '  broken:', '    type: webhook', `    url: ${p.receiver.url.replace('/alerts', '/broken')}`, '    timeout: 3s', '    deadline: 20s',
    '    retry: { initialInterval: 200ms, maximumInterval: 1s, maximumAttempts: 100 }',
    'escalations:', '  standard:', '    levels:', '      - { after: 0s, channels: [chat] }', `      - { after: ${LEVEL1_MS}ms, channels: [pager] }`, `      - { after: ${LEVEL2_MS}ms, channels: [manager] }`,
    'routes:', '  - match: { labels: { flaky: "yes" } }', '    channels: [flaky]', '  - match: { labels: { broken: "yes" } }', '    channels: [broken]', '  - escalation: standard', '',
  ].join('\n'));
  const oncallFile = path.join(dir, 'oncall.yaml');
  const person = (id: string, name: string) => [`  ${id}:`, `    name: ${name}`, '    contacts:', `      phone: { via: push, address: "https://push.invalid/${id}" }`, '    rules: { high: [ { contact: phone } ] }'];
  fs.writeFileSync(oncallFile, [
    'people:', ...person('alice', 'Alice Example'), ...person('bob', 'Bob Example'),
    'schedules:', '  primary:', '    name: Primary', '    time_zone: UTC', '    layers:', '      - rotation: { participants: [alice, bob], start: "2026-01-05T09:00", shift: 1d }', '',
  ].join('\n'));
  return { oncallFile };
}

beforeAll(async () => {
  await p.start();
  p.receiver.behaviour = (post) => ({ status: (post.path === '/flaky' && !flakyUp) || post.path === '/broken' ? 503 : 200 });
  const { oncallFile } = writeFiles();
  intake = await startIntake({
    stream: p.stream, channelsFile: p.channelsFile,
    extra: { ALERT_INDEX: p.index, OPENSEARCH_URL, ONCALL_FILE: oncallFile, CONSOLE_USERS, CONSOLE_SESSION_SECRET: CONSOLE_SECRET, TEMPORAL_UI_URL: 'http://127.0.0.1:8233', LOG_LEVEL: 'info' },
  });
  base = intake.url;
  await p.ingest();
  await p.worker({ REDRIVE_INTERVAL: '1h' });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: DESKTOP });
  page = await context.newPage();
  await loginInBrowser(page, base);
});
afterAll(async () => {
  await browser?.close();
  await intake?.kill('SIGKILL');
  await p.stop();
  for (const suffix of ['incidents', 'silences', 'inhibitors', 'oncall-overrides']) await p.os.indices.delete({ index: `${p.index}.${suffix}` }).catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('without login', () => {
  it('every page redirects to the login form and every action is refused (401), nothing done', async () => {
    const id = await p.publish(alertEvent());
    const jar = new Jar();
    for (const url of ['/console/', '/console/now/rows', '/console/silences', '/console/silences/preview?matchers=a%3D%22b%22', '/console/oncall', `/console/incidents/${encodeURIComponent(p.key(id))}`, '/console/nope']) {
      const res = await send(jar, `${base}${url}`);
      expect([url, res.status]).toEqual([url, 303]);
      expect(res.location).toBe(`/console/login?next=${encodeURIComponent(url)}`);
      expect(res.text).not.toContain('<table');
    }
    for (const url of [`/console/incidents/${encodeURIComponent(p.key(id))}/ack`, '/console/silences', '/console/silences/x/expire', '/console/oncall/overrides', '/console/logout']) {
      const res = await send(jar, `${base}${url}`, { form: { by: 'mallory', matchers: 'a="b"', duration: '1h', comment: 'x' } });
      expect([url, res.status]).toEqual([url, 401]);
    }
    // a wrong token, or a session cookie signed with another secret, logs nobody in
    const refused = await send(jar, `${base}/console/login`, { form: { _csrf: csrfOf((await send(jar, `${base}/console/login`)).text), token: 'not-the-token-0123456789', next: '/console/' } });
    expect(refused.status).toBe(401);
    expect(jar.has('console_session')).toBe(false);
    const forged = await fetch(`${base}/console/`, { redirect: 'manual', headers: { cookie: `console_session=${Buffer.from(JSON.stringify({ n: 'alice', exp: Date.now() + 3_600_000 })).toString('base64url')}.forged` } });
    expect(forged.status).toBe(303);
    expect(intake.output()).toContain('console: request refused: not logged in');
  });

  it('a POST without the CSRF token (or with another session\'s) is refused with 403, even logged in', async () => {
    const event = alertEvent();
    const id = await p.publish(event);
    const jar = await loginWithFetch(base);
    const action = `${base}/console/incidents/${encodeURIComponent(p.key(id))}/ack`;
    expect((await send(jar, action, { form: { note: 'no token' } })).status).toBe(403);
    const other = await loginWithFetch(base);
    const foreign = csrfOf((await send(other, `${base}/console/`)).text);
    expect(foreign).not.toBe('');
    expect((await send(jar, action, { form: { _csrf: foreign } })).status).toBe(403);
    expect((await send(jar, `${base}/console/silences`, { form: { matchers: 'a="b"', duration: '1h', comment: 'x' } })).status).toBe(403);
    expect(intake.output()).toContain('console: request refused: CSRF token missing or invalid');
    // nothing was acknowledged: the escalation goes on to the pager
    await firstPost('/pager', event.alertId);
    // with this session's own token the same request works (the refusal was the token's, not the form's)
    const own = csrfOf((await send(jar, `${base}/console/`)).text);
    const ok = await send(jar, action, { form: { _csrf: own } });
    expect(ok.status).toBe(303);
  });
});

describe('logged in (headless Chromium)', () => {
  it('an alert shows on Now within seconds of its publication, without a reload', async () => {
    await page.goto(`${base}/console/`);
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
    const event = alertEvent({ title: `Disk full <b>on</b> db-${uid('x')}`, labels: { team: 'storage' } });
    const published = Date.now();
    const id = await p.publish(event);
    await page.locator(rowOf(id)).waitFor({ timeout: 20_000 });
    const seconds = (Date.now() - published) / 1000;
    expect(seconds).toBeLessThan(15); // typically 2 to 5 s (a poll every 2 s); room for a loaded 2-core machine
    expect(navigations).toBe(0);
    const row = page.locator(rowOf(id));
    expect(await row.getByRole('link').innerText()).toBe(event.title); // the alert's text shown as text, never as markup
    expect(await row.locator('b').count()).toBe(0);
    // filters: another team hides it
    await page.goto(`${base}/console/?team=nobody-${uid('t')}`);
    expect(await page.locator(rowOf(id)).count()).toBe(0);
    await page.goto(`${base}/console/?team=storage&severity=critical`);
    await page.locator(rowOf(id)).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot('console-now.png');
  });

  it('Acknowledge (by keyboard) stops the escalation: the manager never hears of it; Resolve publishes the resolved event', async () => {
    const event = alertEvent({ labels: { team: 'payments' } });
    const id = await p.publish(event);
    await firstPost('/pager', event.alertId); // level 1 notified; level 2 (the manager) is due 8 s later
    await page.goto(`${base}/console/`);
    await page.locator(`${rowOf(id)} a`).click();
    await page.locator('#ack-note').fill('looking into it');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Acknowledge');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?done=ack$/);
    await page.getByText('Acknowledged: the escalation stops.').waitFor();

    const handle = (await p.temporal()).workflow.getHandle(p.key(id));
    // the acknowledgement ended the run: closed, it notified chat and the pager; nothing can reach the manager now
    expect(await notifiedChannels(handle)).toEqual(['chat', 'pager']);
    expect(postsTo('/manager', event.alertId)).toEqual([]);
    const doc = await p.waitFor('ack recorded', async () => ((await p.doc(id))?.ackedBy === 'alice' ? p.doc(id) : undefined));
    expect(doc).toMatchObject({ incidentState: 'acknowledged', ackedVia: 'console', escalationLevel: 1 });
    expect(intake.output()).toMatch(new RegExp(`"user":"alice","via":"token","action":"ack","workflowId":"${p.key(id)}","ok":true`));

    // the page shows the timeline and the Web UI link
    await page.reload();
    const text = await page.locator('main').innerText();
    expect(text).toContain('acknowledged by alice via console');
    expect(text).toMatch(/notified chat[\s\S]*notified pager[\s\S]*operator update "acknowledge" accepted[\s\S]*delivery workflow completed/);
    expect(text).not.toContain('manager');
    expect(await page.getByRole('link', { name: 'open in the Temporal Web UI' }).getAttribute('href')).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(p.key(id))}`);
    expect(await seriousViolations(page)).toEqual([]);
    await shot('console-incident.png');

    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.waitForURL(/\?done=resolve$/);
    const resolved = await p.waitFor('the resolved event in the stream', async () =>
      (await streamEvents(p.redis, p.stream)).find((e) => e.event.alertId === event.alertId && e.event.status === 'resolved'));
    expect(resolved.event).toMatchObject({ ...event, status: 'resolved' });
    // once delivered, the incident is no longer open: Now drops it
    await page.goto(`${base}/console/`);
    await p.waitFor('resolved incident gone from Now', async () => (await page.locator(rowOf(id)).count()) === 0, 60_000);
  });

  it('a silence made in the console (with its preview) holds the next matching alert back; Expire lets it through', async () => {
    const service = uid('svc');
    const first = alertEvent({ labels: { service } });
    const firstId = await p.publish(first);
    await page.goto(`${base}/console/`);
    await page.locator(rowOf(firstId)).waitFor({ timeout: 15_000 });

    await page.goto(`${base}/console/silences`);
    await page.getByLabel('Matchers, one a line').fill(`service="${service}"`);
    // the preview: the open alert it would silence
    await page.locator('#preview').getByText(first.title).waitFor({ timeout: 20_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\npreview: ${await page.locator('#preview').innerText()}`);
    });
    await page.getByLabel('Comment').fill('maintenance');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.waitForURL(/\/console\/silences\?created=/);
    const silenceId = decodeURIComponent(/created=([^&]+)/.exec(page.url())![1]);
    await page.locator(`tr[data-silence-id="${silenceId}"]`).waitFor();
    expect(await page.locator(`tr[data-silence-id="${silenceId}"]`).innerText()).toContain('alice');
    expect(await seriousViolations(page)).toEqual([]);
    await shot('console-silences.png');

    // The worker reads silences at most once a second: a moment for it to see the new one.
    await new Promise((r) => setTimeout(r, 1_500));
    const next = alertEvent({ labels: { service } });
    const nextId = await p.publish(next);
    const held = await p.waitFor('held back by the silence', async () => ((await p.doc(nextId))?.suppressedBy ? p.doc(nextId) : undefined));
    expect(held).toMatchObject({ suppressedBy: `silence:${silenceId}` });
    const handle = (await p.temporal()).workflow.getHandle(p.key(nextId));
    expect(notifyCalls((await handle.fetchHistory()).events ?? [])).toEqual([]); // held: no notification was made

    await page.locator(`tr[data-silence-id="${silenceId}"]`).getByRole('button', { name: /Expire/ }).click();
    await page.waitForURL(/\?expired=1$/);
    await firstPost('/chat', next.alertId, 30_000); // woken: it pages now
    expect(intake.output()).toMatch(new RegExp(`"user":"alice","via":"token","silenceId":"${silenceId}".*"msg":"console: silence expired"`));
  });

  it('Retry of a parked alert after its receiver recovers delivers it', async () => {
    const event = alertEvent({ labels: { flaky: 'yes' } });
    const id = await p.publish(event);
    await page.goto(`${base}/console/?state=failed`);
    await page.locator(rowOf(id)).waitFor({ timeout: 60_000 });
    expect(await page.locator(rowOf(id)).innerText()).toMatch(/failed[\s\S]*flaky: .*503/);
    const before = postsTo('/flaky', event.alertId).length;
    expect(before).toBeGreaterThan(0);

    flakyUp = true;
    await page.locator(`${rowOf(id)} a`).click();
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL(/\?done=retry$/);
    const { status } = await closedHistory((await p.temporal()).workflow.getHandle(p.key(id)));
    expect(status).toBe('COMPLETED');
    const doc = await p.waitFor('delivered', async () => ((await p.doc(id))?.deliveryStatus === 'delivered' ? p.doc(id) : undefined));
    expect(doc.deliveries).toEqual([expect.objectContaining({ channel: 'flaky', status: 'delivered' })]);
    expect(postsTo('/flaky', event.alertId).length).toBeGreaterThan(before);
  });

  it('an incident\'s page follows its delivery without a reload (parked after its deadline); Abandon ends it with the reason and who', async () => {
    const event = alertEvent({ labels: { broken: 'yes' } });
    const published = Date.now();
    const id = await p.publish(event);
    await page.goto(`${base}/console/incidents/${encodeURIComponent(p.key(id))}`);
    const facts = page.locator('#live dl.facts dd');
    const delivery = () => facts.nth(5).innerText();
    // (until the workflow has started, the page says there is no such delivery: no facts yet)
    await p.waitFor('the document', async () => (await page.reload(), (await facts.count()) > 5 && !(await delivery()).startsWith('–')), 15_000);
    expect(await delivery()).toMatch(/^pending/);
    expect(Date.now() - published).toBeLessThan(20_000); // before the channel's deadline: it cannot have parked yet
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
    await page.locator('#live').getByText(/^failed \(workflow running\)/).waitFor({ timeout: 40_000 });
    expect(navigations).toBe(0);
    expect(await page.locator('#live').innerText()).toMatch(/broken[\s\S]*failed[\s\S]*503/);

    expect(await seriousViolations(page)).toEqual([]); // the page with its Retry and Abandon forms
    await page.getByLabel('Reason').fill('receiver retired');
    await page.getByRole('button', { name: 'Abandon' }).click();
    await page.waitForURL(/\?done=abandon$/);
    expect((await closedHistory((await p.temporal()).workflow.getHandle(p.key(id)))).status).toBe('COMPLETED');
    const doc = await p.waitFor('abandoned', async () => ((await p.doc(id))?.deliveryStatus === 'abandoned' ? p.doc(id) : undefined));
    expect(doc.abandonReason).toBe('receiver retired (by alice, console)');
  });

  it('On call: who is on call now and next; an override made here shows', async () => {
    await page.goto(`${base}/console/oncall`);
    const table = page.getByRole('region', { name: 'On call now' });
    await table.getByText('Primary').waitFor();
    const onCallNow = () => page.getByRole('region', { name: 'On call now' }).locator('tbody tr').first().locator('td').first().innerText();
    const other = (await onCallNow()).includes('Alice Example') ? 'bob' : 'alice';
    await page.getByLabel('Person').selectOption(other);
    const start = new Date(Date.now() - 60_000).toISOString();
    await page.getByLabel('Start (ISO, with zone)').fill(start);
    await page.getByLabel('Reason').fill('swap');
    await page.getByRole('button', { name: 'Create override' }).click();
    await page.waitForURL(/\?created=1$/);
    expect(await onCallNow()).toMatch(new RegExp(`^${other === 'bob' ? 'Bob' : 'Alice'} Example\\s+override by alice$`));
    const listed = page.getByRole('region', { name: 'Overrides' }).locator('tbody tr');
    expect(await listed.count()).toBe(1);
    expect(await listed.innerText()).toMatch(/Primary[\s\S]*alice[\s\S]*swap/);
    expect(await seriousViolations(page)).toEqual([]);
    await shot('console-oncall.png');
    expect(intake.output()).toMatch(/"user":"alice","via":"token","overrideId":"[^"]+","schedule":"primary","person":"(alice|bob)".*"msg":"console: on-call override added"/);
    // removed: the rotation's person is on call again
    await listed.getByRole('button', { name: /Remove/ }).click();
    await page.waitForURL(/\?removed=1$/);
    expect(await onCallNow()).toMatch(new RegExp(`^${other === 'bob' ? 'Alice' : 'Bob'} Example\\s+layer 1$`));
    expect(await page.getByText('No override now or later.').count()).toBe(1);
  });

  it('at a phone-sized viewport every page fits the screen and passes axe', async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    try {
      await small.goto(`${base}/console/login`);
      expect(await seriousViolations(small)).toEqual([]);
      await shot('console-login.png', small);
      await loginInBrowser(small, base);
      for (const url of ['/console/', '/console/silences', '/console/oncall']) {
        await small.goto(`${base}${url}`);
        expect([url, await seriousViolations(small)]).toEqual([url, []]);
        // nothing wider than the screen but the tables' own scrolling regions
        expect([url, await small.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')]).toEqual([url, true]);
      }
      await small.goto(`${base}/console/`);
      await shot('console-phone.png', small);
    } finally {
      await phone.close();
    }
  });
});
