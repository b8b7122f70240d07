// Group notifications (storm control) on every channel type, against real receivers on 127.0.0.1 (HTTP and SMTP):
// the shared text, the webhook's `alert.group` body and headers, Slack's Block Kit, the email, and PagerDuty's
// one incident per group. Single-alert messages are covered by channels.test.ts, channels-safety.test.ts,
// webhook-channel.test.ts and channels-e2e.test.ts; the controls here check that `group` is what switches.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { EmailChannel } from '../src/channels/email';
import { groupBody, groupCounts, groupSummary, listLines } from '../src/channels/group-text';
import { PagerDutyChannel } from '../src/channels/pagerduty';
import { SlackChannel } from '../src/channels/slack';
import { render } from '../src/channels/template';
import type { OutgoingAlert } from '../src/channels/types';
import { WebhookChannel } from '../src/channels/webhook';
import { GROUP_LIST_LIMIT, type GroupMember, type GroupNotice } from '../src/contracts/group';
import { alertEvent } from './helpers/alerts';
import { TestReceiver, type ReceivedPost } from './helpers/receiver';

const signal = new AbortController().signal;
const GID = 'alerts:group:databases:3f2a9c';
const LIST_URL = 'http://ui.example.test/namespaces/default/workflows?query=AlertGroup%3D%22alerts%3Agroup%22&x=1';
const SECRET = `whsec_${Buffer.from('a-group-secret-of-32-bytes-long!').toString('base64')}`;

const member = (i: number, over: Partial<GroupMember> = {}): GroupMember => ({
  alertId: `a-${i}`, deliveryId: `alerts:1768472430000-${i}`, workflowId: `alerts:1768472430000-${i}`, status: 'firing', severity: 'critical',
  title: `Disk full on db-${i}`, ruleName: 'DiskFull', firedAt: '2026-01-15T10:00:00.000Z', labels: { cluster: 'eu-1' }, joinedAt: 1234, ...over,
});
const members = (n: number, from = 1) => Array.from({ length: n }, (_x, i) => member(from + i));

const notice = (over: Partial<GroupNotice> = {}): GroupNotice => ({
  id: GID, route: 'databases', labels: { cluster: 'eu-1', alertname: 'DiskFull' }, status: 'firing', sequence: 1,
  counts: { firing: 3, new: 3, resolved: 0 }, severity: 'critical', alerts: members(3), listUrl: LIST_URL, ...over,
});

/** As the group workflow sends it: key `<group ID>:<sequence>`; `event` is the first listed alert's (channels must render `group`). */
const groupAlert = (g: GroupNotice): OutgoingAlert => ({
  channel: 'c', deliveryId: `${g.id}:${g.sequence}`, messageId: `${g.id}:${g.sequence}`, workflowId: g.id, receivedAt: '2026-01-15T10:20:31.123Z',
  event: alertEvent({ alertId: g.alerts[0]?.alertId ?? 'none', title: g.alerts[0]?.title ?? 'none', severity: 'low', labels: { team: 'db' } }),
  group: g,
});
const single = (a: OutgoingAlert): OutgoingAlert => ({ ...a, group: undefined });

describe('the shared group text', () => {
  it('summary like Alertmanager, counts, the list and "… and N more"', () => {
    const g = notice({ counts: { firing: 12, new: 3, resolved: 2 }, alerts: [...members(11), member(12, { status: 'resolved', severity: 'high' })] });
    expect(groupSummary(g)).toBe('[FIRING:12] databases cluster=eu-1 alertname=DiskFull');
    expect(groupSummary({ ...g, status: 'resolved' })).toBe('[RESOLVED] databases cluster=eu-1 alertname=DiskFull');
    expect(groupCounts(g)).toBe('12 firing (3 new), 2 resolved');
    expect(groupCounts(notice({ counts: { firing: 4, new: 0, resolved: 0 } }))).toBe('4 firing');
    const lines = listLines(g);
    expect(lines).toHaveLength(GROUP_LIST_LIMIT + 1);
    expect(lines[0]).toBe('- [critical] Disk full on db-1 · rule DiskFull · alert a-1');
    expect(lines[GROUP_LIST_LIMIT]).toBe('… and 4 more'); // 12 firing + 2 resolved, 10 listed
    expect(listLines(notice())).toHaveLength(3); // no "more" line when all are listed
    expect(listLines(notice({ alerts: [member(1, { status: 'resolved' })], counts: { firing: 0, new: 0, resolved: 1 } }))).toEqual([
      '- [critical] Disk full on db-1 · rule DiskFull · alert a-1 · resolved',
    ]);
    expect(groupBody(notice({ status: 'resolved', listUrl: undefined, counts: { firing: 0, new: 0, resolved: 1 }, alerts: [member(1, { status: 'resolved' })] })))
      .toBe('Every alert of this group is resolved.\n0 firing, 1 resolved\n\n- [critical] Disk full on db-1 · rule DiskFull · alert a-1 · resolved');
  });

  it('templates see the group: {{title}} is the summary, {{labels}} the group labels, {{description}} the counts, {{link}} the list', () => {
    const a = groupAlert(notice());
    expect(render('{{severity}}|{{title}}|{{alertId}}|{{labels}}|{{labels.cluster}}|{{labels.team}}|{{description}}|{{link}}|{{deliveryId}}', a)).toBe(
      `critical|[FIRING:3] databases cluster=eu-1 alertname=DiskFull|${GID}|cluster=eu-1, alertname=DiskFull|eu-1||3 firing (3 new)|${LIST_URL}|${GID}:1`,
    );
    expect(render('{{severity}}|{{title}}|{{labels}}', single(a))).toBe(`low|Disk full on db-1|team=db`); // the control: without group, the event
  });
});

describe('webhook', () => {
  let rx: TestReceiver;
  beforeEach(async () => {
    rx = await new TestReceiver().start();
  });
  afterEach(() => rx.stop());
  const headers = (p: ReceivedPost) => Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k, String(v)]));

  it('type alert.group with the group object; webhook-id = Idempotency-Key = the notification key; signed; retries byte-identical', async () => {
    const g = notice({ sequence: 2, counts: { firing: 14, new: 2, resolved: 1 }, alerts: [...members(11), member(12, { status: 'resolved' })] });
    const hook = new WebhookChannel({ name: 'hook', url: rx.url, secret: SECRET, timeoutMs: 2000 });
    await hook.send(groupAlert(g), signal);
    await hook.send(groupAlert(g), signal);
    const [p, retry] = rx.posts;
    expect(retry.body).toBe(p.body);
    expect(p.headers['webhook-id']).toBe(`${GID}:2`);
    expect(p.headers['idempotency-key']).toBe(`${GID}:2`);
    expect(new Webhook(SECRET).verify(p.body, headers(p))).toEqual(p.json);
    expect(() => new Webhook(SECRET).verify(p.body.replace('"firing":14', '"firing":15'), headers(p))).toThrow();
    expect(p.json.type).toBe('alert.group');
    expect(p.json.timestamp).toBe('2026-01-15T10:20:31.123Z');
    expect(p.json.data).toEqual({ deliveryId: `${GID}:2`, messageId: `${GID}:2`, workflowId: GID, summary: '[FIRING:14] databases cluster=eu-1 alertname=DiskFull' });
    expect(Object.keys(p.json)).toEqual(['type', 'timestamp', 'group', 'data']);
    const { alerts, ...rest } = p.json.group;
    expect(rest).toEqual({
      id: GID, route: 'databases', labels: { cluster: 'eu-1', alertname: 'DiskFull' }, status: 'firing', sequence: 2,
      counts: { firing: 14, new: 2, resolved: 1 }, severity: 'critical', listUrl: LIST_URL,
    });
    expect(alerts.map((x: GroupMember) => x.alertId)).toEqual(members(GROUP_LIST_LIMIT).map((m) => m.alertId)); // the first 10, in order
    expect(alerts[0]).toEqual({
      alertId: 'a-1', deliveryId: 'alerts:1768472430000-1', workflowId: 'alerts:1768472430000-1', status: 'firing', severity: 'critical',
      title: 'Disk full on db-1', ruleName: 'DiskFull', firedAt: '2026-01-15T10:00:00.000Z', labels: { cluster: 'eu-1' },
    }); // not the group's own bookkeeping (joinedAt)
  });

  it('without group the same alert is the single-alert body (type alert.fired, event fields, no group)', async () => {
    await new WebhookChannel({ name: 'hook', url: rx.url, timeoutMs: 2000 }).send(single(groupAlert(notice())), signal);
    const p = rx.posts[0];
    expect(p.json.type).toBe('alert.fired');
    expect(p.json.data).toMatchObject({ alertId: 'a-1', title: 'Disk full on db-1', deliveryId: `${GID}:1` });
    expect(p.json).not.toHaveProperty('group');
    expect(p.headers).not.toHaveProperty('webhook-signature');
  });
});

describe('slack', () => {
  let rx: TestReceiver;
  beforeEach(async () => {
    rx = await new TestReceiver().start();
  });
  afterEach(() => rx.stop());
  const slack = (over: { title?: string; text?: string } = {}) => new SlackChannel({ name: 'ops', url: `${rx.url}/T000/B000/SECRET`, timeoutMs: 2000, ...over });
  const HOSTILE = '<script>alert(1)</script> & <!channel>';

  it('summary in the text and header, counts, each listed alert escaped, the list link; no markup from alert content', async () => {
    const g = notice({ alerts: [member(1), member(2, { title: HOSTILE, severity: 'high' }), member(3)], labels: { cluster: 'eu-1', alertname: 'DiskFull' } });
    await slack().send(groupAlert(g), signal);
    const msg = rx.posts[0].json;
    expect(rx.posts[0].headers['idempotency-key']).toBe(`${GID}:1`);
    expect(msg.text).toContain('[FIRING:3] databases cluster=eu-1 alertname=DiskFull');
    expect(msg.text.startsWith(':rotating_light: ')).toBe(true); // the group's severity: critical
    for (const t of ['Disk full on db-1', 'Disk full on db-3', '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;']) expect(msg.text).toContain(t);
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '[FIRING:3] databases cluster=eu-1 alertname=DiskFull', emoji: true } });
    expect(msg.blocks[1].text.text).toBe(':rotating_light: *3 firing (3 new)*');
    expect(msg.blocks[2].text.text.split('\n')).toEqual([
      ':rotating_light: [critical] *Disk full on db-1* · rule DiskFull · alert `a-1`',
      ':red_circle: [high] *&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;* · rule DiskFull · alert `a-2`',
      ':rotating_light: [critical] *Disk full on db-3* · rule DiskFull · alert `a-3`',
    ]);
    const context = msg.blocks[3].elements.map((e: { text: string }) => e.text);
    expect(context[0]).toBe('Labels: `cluster=eu-1` `alertname=DiskFull`');
    expect(context[1]).toBe(`*<${LIST_URL.replace(/&/g, '&amp;')}|All alerts of the group>*`);
    expect(context[2]).toMatch(/^<[^<>|]*\/workflows\/alerts%3Agroup%3Adatabases%3A3f2a9c\|Open the group> · group `alerts:group:databases:3f2a9c` · notification 1$/);
    expect(rx.posts[0].body).not.toMatch(/<script|<!channel>/);
  });

  it('more than the limit: ten listed and "… and N more"; a resolved group is a check mark and [RESOLVED]', async () => {
    await slack().send(groupAlert(notice({ counts: { firing: 25, new: 0, resolved: 0 }, alerts: members(10) })), signal);
    const lines = rx.posts[0].json.blocks[2].text.text.split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('… and 15 more');
    const done = notice({ status: 'resolved', counts: { firing: 0, new: 0, resolved: 2 }, alerts: [member(1, { status: 'resolved' }), member(2, { status: 'resolved' })] });
    await slack().send(groupAlert(done), signal);
    const msg = rx.posts[1].json;
    expect(msg.blocks[0].text.text).toBe('[RESOLVED] databases cluster=eu-1 alertname=DiskFull');
    expect(msg.text.startsWith(':white_check_mark: [RESOLVED]')).toBe(true);
    expect(msg.blocks[1].text.text).toBe(':white_check_mark: Every alert of this group is resolved. *0 firing, 2 resolved*');
    expect(msg.blocks[2].text.text).toContain(':white_check_mark: [critical] *Disk full on db-1* · rule DiskFull · alert `a-1` · resolved');
  });

  it('title and text templates get the group values (escaped in mrkdwn); the list is still shown', async () => {
    const g = notice({ labels: { cluster: '<eu-1>' } });
    await slack({ title: '{{severity}}: {{title}} ({{labels.cluster}})', text: '_{{description}}_ see {{link}}' }).send(groupAlert(g), signal);
    const msg = rx.posts[0].json;
    expect(msg.blocks[0].text.text).toBe('critical: [FIRING:3] databases cluster=<eu-1> (<eu-1>)'); // plain_text: literal
    expect(msg.text.split('\n')[0]).toBe(':rotating_light: critical: [FIRING:3] databases cluster=&lt;eu-1&gt; (&lt;eu-1&gt;)');
    expect(msg.blocks[1].text.text).toBe(`:rotating_light: *3 firing (3 new)*\n_3 firing (3 new)_ see ${LIST_URL.replace(/&/g, '&amp;')}`);
    expect(msg.blocks[2].text.text.split('\n')).toHaveLength(3);
  });
});

describe('email (real SMTP server on 127.0.0.1)', () => {
  let server: SMTPServer;
  let port: number;
  const mails: string[] = [];
  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onData(stream, _s, cb) {
        let d = '';
        stream.on('data', (c: Buffer) => (d += c.toString()));
        stream.on('end', () => {
          mails.push(d);
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    mails.length = 0;
  });
  const email = (over: { subject?: string; text?: string } = {}) =>
    new EmailChannel({ name: 'oncall', host: '127.0.0.1', port, secure: false, from: 'alerts@example.test', to: ['oncall@example.test'], timeoutMs: 3000, ...over });

  /** A header of the message (unfolded). */
  const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw.split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' '))?.[1];
  /** The text/plain or text/html part, transfer-decoded as UTF-8. */
  const part = (raw: string, type: string): string => {
    const m = new RegExp(`Content-Type: ${type}[^\\r\\n]*\\r\\n((?:[^\\r\\n]+\\r\\n)*)\\r\\n([\\s\\S]*?)\\r\\n--`).exec(raw);
    if (!m) throw new Error(`no ${type} part`);
    const [, headers, body] = m;
    if (/base64/i.test(headers)) return Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8');
    if (!/quoted-printable/i.test(headers)) return body;
    const bytes: number[] = [];
    const s = body.replace(/=\r\n/g, '');
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '=' && /^[0-9A-F]{2}$/.test(s.slice(i + 1, i + 3))) {
        bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(s.charCodeAt(i));
    }
    return Buffer.from(bytes).toString('utf8');
  };

  it('subject = the summary; the text lists ten alerts, "… and N more" and the link; Message-ID from the notification key', async () => {
    const g = notice({ counts: { firing: 13, new: 13, resolved: 0 }, alerts: [...members(9), member(10, { title: '<b>bold</b> & co' }), ...members(2, 11)] });
    await email().send(groupAlert(g), signal);
    const raw = mails[0];
    expect(header(raw, 'Subject')).toBe('[FIRING:13] databases cluster=eu-1 alertname=DiskFull');
    expect(header(raw, 'Message-ID')).toBe('<alerts_group_databases_3f2a9c.alerts_group_databases_3f2a9c_1@alert-delivery>');
    expect(header(raw, 'Idempotency-Key')).toBe(`${GID}:1`);
    expect(header(raw, 'X-Alert-Group')).toBe(GID);
    expect(header(raw, 'In-Reply-To')).toBeUndefined(); // the group's first notification
    const text = part(raw, 'text/plain');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('13 firing (13 new)');
    for (let i = 1; i <= 9; i++) expect(lines).toContain(`- [critical] Disk full on db-${i} · rule DiskFull · alert a-${i}`);
    expect(lines).toContain('- [critical] <b>bold</b> & co · rule DiskFull · alert a-10'); // plain text: as it is
    expect(text).not.toContain('db-11'); // beyond the limit
    expect(lines).toContain('… and 3 more');
    expect(lines).toContain(`All alerts: ${LIST_URL}`);
    const html = part(raw, 'text/html');
    expect(html).toContain('<li>[critical] &#60;b&#62;bold&#60;/b&#62; &#38; co · rule DiskFull · alert a-10</li>');
    expect(html).not.toContain('<b>bold');
    expect(html.match(/<li>/g)).toHaveLength(GROUP_LIST_LIMIT);
    expect(html).toContain('<p>… and 3 more</p>');
    expect(html).toContain(`<a href="${LIST_URL.replace(/&/g, '&#38;')}">All alerts of the group</a>`);
  });

  it('a later notification replies to the first; a resolved group says so', async () => {
    const done = notice({ sequence: 3, status: 'resolved', listUrl: undefined, counts: { firing: 0, new: 0, resolved: 2 }, alerts: [member(1, { status: 'resolved' }), member(2, { status: 'resolved' })] });
    await email().send(groupAlert(done), signal);
    const raw = mails[0];
    expect(header(raw, 'Subject')).toBe('[RESOLVED] databases cluster=eu-1 alertname=DiskFull');
    expect(header(raw, 'Message-ID')).toBe('<alerts_group_databases_3f2a9c.alerts_group_databases_3f2a9c_3@alert-delivery>');
    expect(header(raw, 'In-Reply-To')).toBe('<alerts_group_databases_3f2a9c.alerts_group_databases_3f2a9c_1@alert-delivery>');
    expect(part(raw, 'text/plain').split('\r\n')).toEqual([
      'Every alert of this group is resolved.', '0 firing, 2 resolved', '',
      '- [critical] Disk full on db-1 · rule DiskFull · alert a-1 · resolved', '- [critical] Disk full on db-2 · rule DiskFull · alert a-2 · resolved', '',
    ]);
  });

  it('subject and text templates get the group values; without group the same alert is the single-alert mail', async () => {
    await email({ subject: 'DB {{title}}', text: 'Runbook for {{labels.alertname}}' }).send(groupAlert(notice()), signal);
    expect(header(mails[0], 'Subject')).toBe('DB [FIRING:3] databases cluster=eu-1 alertname=DiskFull');
    expect(part(mails[0], 'text/plain').split('\r\n').slice(0, 3)).toEqual(['Runbook for DiskFull', '', '3 firing (3 new)']);
    await email().send(single(groupAlert(notice())), signal);
    expect(header(mails[1], 'Subject')).toBe('[low] Disk full on db-1');
    expect(header(mails[1], 'X-Alert-Id')).toBe('a-1');
  });
});

describe('pagerduty: one incident per group', () => {
  let rx: TestReceiver;
  beforeEach(async () => {
    rx = await new TestReceiver(() => ({ status: 202, body: '{"status":"success"}' })).start();
  });
  afterEach(() => rx.stop());
  const pd = (title?: string) => new PagerDutyChannel({ name: 'pager', routingKey: 'R0UTINGKEY123', url: rx.url, timeoutMs: 2000, ...(title ? { title } : {}) });

  it('dedup_key = the group ID on every notification: trigger, trigger (updated), then resolve', async () => {
    const first = notice({ severity: 'high', alerts: members(3).map((m) => ({ ...m, severity: 'high' as const })) });
    const second = notice({ sequence: 2, severity: 'critical', counts: { firing: 14, new: 11, resolved: 1 }, alerts: [...members(11, 4), member(1, { status: 'resolved' })] });
    const done = notice({ sequence: 3, status: 'resolved', counts: { firing: 0, new: 0, resolved: 13 }, alerts: members(3) });
    for (const g of [first, second, done]) await expect(pd().send(groupAlert(g), signal)).resolves.toBe('HTTP 202');
    const [a, b, c] = rx.posts.map((p) => p.json);
    expect([a.dedup_key, b.dedup_key, c.dedup_key]).toEqual([GID, GID, GID]);
    expect([a.event_action, b.event_action, c.event_action]).toEqual(['trigger', 'trigger', 'resolve']);
    expect(a.payload).toMatchObject({ summary: '[FIRING:3] databases cluster=eu-1 alertname=DiskFull', severity: 'error', source: 'databases', timestamp: '2026-01-15T10:20:31.123Z' });
    expect(b.payload.summary).toBe('[FIRING:14] databases cluster=eu-1 alertname=DiskFull');
    expect(b.payload.severity).toBe('critical');
    expect(b.payload.custom_details).toEqual({
      counts: '14 firing (11 new), 1 resolved', firing: 14, new: 11, resolved: 1,
      alerts: [...members(GROUP_LIST_LIMIT, 4).map((m) => `[critical] ${m.title} · rule DiskFull · alert ${m.alertId}`), '… and 5 more'],
      unlisted: 5, labels: { cluster: 'eu-1', alertname: 'DiskFull' }, sequence: 2, notificationKey: `${GID}:2`, listUrl: LIST_URL,
    });
    expect(b.links[0]).toEqual({ href: LIST_URL, text: 'All alerts of the group' });
    expect(c).toEqual({ routing_key: 'R0UTINGKEY123', event_action: 'resolve', dedup_key: GID, client: 'alert-delivery' });
  });

  it('the summary is cut to 1024 characters; a title template gets the group values; without group: dedup_key = alert ID', async () => {
    await pd().send(groupAlert(notice({ labels: { cluster: 'x'.repeat(3000) } })), signal);
    const summary: string = rx.posts[0].json.payload.summary;
    expect(summary).toHaveLength(1024);
    expect(summary.startsWith('[FIRING:3] databases cluster=xxx')).toBe(true);
    expect(summary.endsWith('x…')).toBe(true);
    await pd('{{severity}} {{title}}').send(groupAlert(notice()), signal);
    expect(rx.posts[1].json.payload.summary).toBe('critical [FIRING:3] databases cluster=eu-1 alertname=DiskFull');
    await pd().send(single(groupAlert(notice())), signal);
    expect(rx.posts[2].json).toMatchObject({ event_action: 'trigger', dedup_key: 'a-1', payload: { summary: '[low] Disk full on db-1', severity: 'info' } });
  });
});
