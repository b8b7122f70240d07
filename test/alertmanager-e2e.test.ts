// Alertmanager through the whole pipeline, with nothing stood in: alerts pushed into the real Alertmanager's
// own API (as Prometheus does) → its webhook → the real intake → the stream → the real ingest and worker
// (deliverAlert) → OpenSearch and the receiver (a webhook channel). One page per incident however often
// Alertmanager repeats the firing alert (repeat_interval is 2 s here, so it does, several times); the resolve
// comes either from Alertmanager (endsAt in the past) or from us (`alertctl resolve <firing workflow ID>`),
// and either way the receiver gets one `alert.resolved` under `<firing key>:resolved`.
import { labelsFingerprint } from '../src/intake/alertmanager';
import { runAlertctl } from './helpers/alertctl';
import { startAlertmanager, type AlertmanagerProcess, type PostableAlert } from './helpers/alertmanager';
import { notifiedChannels } from './helpers/histories';
import { TEST_INTAKE_TOKEN, startIntake, streamEvents, type IntakeProcess } from './helpers/intake';
import { Pipeline } from './helpers/pipeline';
import type { ReceivedPost } from './helpers/receiver';
import { REDIS_URL, uid } from './helpers/stack';

jest.setTimeout(120_000);

const p = new Pipeline();
let intake: IntakeProcess | undefined;
let am: AlertmanagerProcess | undefined;

beforeAll(async () => {
  await p.start();
  await p.worker();
  await p.ingest();
  // The intake writes to the pipeline's stream and checks channel names against its channels file.
  intake = await startIntake({ stream: p.stream, channelsFile: p.channelsFile });
  // Every alert its own group, flushed every second; an unchanged firing alert is notified again every 2 s.
  am = await startAlertmanager({ webhookUrl: `${intake.url}/api/v1/alertmanager`, token: TEST_INTAKE_TOKEN, groupInterval: '1s', repeatInterval: '2s' });
}, 90_000);

afterAll(async () => {
  await am?.stop();
  await intake?.kill();
  await p.stop();
  await p.os.indices.delete({ index: `${p.index}.incidents` }).catch(() => undefined);
}, 60_000);

const diagnostics = () => `\nAlertmanager:\n${am?.output().slice(-2000) ?? ''}\nIntake:\n${intake?.output().slice(-2000) ?? ''}`;
/** Runs `what`; a failure carries the tails of Alertmanager's and the intake's logs. */
const explained = <T>(what: Promise<T>): Promise<T> => what.catch((e: Error) => { throw new Error(e.message + diagnostics()); });

/** The webhook channel's POSTs of one type for one alertId. */
const posts = (type: 'alert.fired' | 'alert.resolved', alertId: string): ReceivedPost[] =>
  p.receiver.posts.filter((x) => x.path === '/alerts' && x.json?.type === type && x.json?.data?.alertId === alertId);
/** The data of the one `alert.fired` of an alertId. */
const fired = (alertId: string): Record<string, unknown> => posts('alert.fired', alertId)[0].json.data;
/** The stream entries (the intake's writes) of one alertId with one status, in stream order. */
const entries = async (alertId: string, status: 'firing' | 'resolved') =>
  (await streamEvents(p.redis, p.stream)).filter((x) => x.event.alertId === alertId && x.event.status === status);
const settled = (messageId: string, status: string, timeoutMs = 30_000) =>
  explained(p.waitFor(`${p.key(messageId)} ${status}`, async () => {
    const d = await p.doc(messageId);
    return d?.deliveryStatus === status ? d : undefined;
  }, timeoutMs));
const incident = async (alertId: string) => (await p.os.get({ index: `${p.index}.incidents`, id: alertId })).body._source as Record<string, unknown>;

/**
 * Every entry written for the alert so far has a closed run, and only the runs `sending` (workflow IDs) notified the
 * channel, once each; every other one (a repeat, a second resolve) nothing. Closed runs send nothing later.
 */
async function expectSentOnlyBy(alertId: string, sending: string[]): Promise<void> {
  const temporal = await p.temporal();
  const all = (await streamEvents(p.redis, p.stream)).filter((x) => x.event.alertId === alertId).map((x) => p.key(x.id));
  const sent = await Promise.all(all.map(async (id) => [id, await notifiedChannels(temporal.workflow.getHandle(id))]));
  expect(sent).toEqual(all.map((id) => [id, sending.includes(id) ? ['hook'] : []]));
  expect(all).toEqual(expect.arrayContaining(sending));
}

/** A Prometheus-style alert of its own (a `run` label keeps its fingerprint unique) and the alertId it becomes. */
function anAlert(name: string): { alert: PostableAlert; alertId: string } {
  const labels = { alertname: name, severity: 'critical', instance: 'db-1:9187', job: 'postgres', view: 'prod', run: uid('run') };
  const startsAt = new Date(Date.now() - 30_000).toISOString();
  return {
    alert: { labels, annotations: { summary: `${name} on db-1`, description: 'Replication lag above 30 s.' }, startsAt },
    alertId: `am:${labelsFingerprint(labels)}:${startsAt}`,
  };
}

/**
 * Pushes a firing alert into Alertmanager and waits for its page: one `alert.fired` whose key is the delivery
 * ID of the first firing entry the intake wrote. Then pushes it again and waits until Alertmanager's repeat
 * has gone through the pipeline as a `duplicate` of that page. Returns the firing key.
 */
async function fireAndRepeat(alert: PostableAlert, alertId: string): Promise<string> {
  await am!.push([alert]);
  await explained(p.receiver.waitFor(() => posts('alert.fired', alertId).length > 0, 30_000));
  const [first] = await entries(alertId, 'firing');
  const firingKey = p.key(first.id);
  const [page] = posts('alert.fired', alertId);
  expect(page.key).toBe(firingKey);
  expect(page.json.data).toMatchObject({
    deliveryId: firingKey, workflowId: firingKey, alertId, status: 'firing', severity: 'critical', ruleId: alert.labels.alertname,
    title: alert.annotations!.summary, view: 'prod', scope: 'db-1:9187', labels: alert.labels,
  });
  expect(Date.parse(page.json.data.firedAt)).toBe(Date.parse(alert.startsAt!)); // as Alertmanager formats it
  expect(await settled(first.id, 'delivered')).toMatchObject({ incidentRole: 'page', deliveryStatus: 'delivered' });
  expect(await incident(alertId)).toMatchObject({ state: 'firing', deliveryId: firingKey, workflowId: firingKey });

  // Prometheus sends the alert again on every evaluation: Alertmanager merges it (no notification of its
  // own), and notifies the unchanged alert again after repeat_interval: that reaches us as a duplicate.
  await am!.push([alert]);
  const repeats = await explained(p.waitFor('a repeated firing notification from Alertmanager', async () => {
    const firing = await entries(alertId, 'firing');
    return firing.length >= 2 ? firing.slice(1) : undefined;
  }, 30_000));
  expect(await settled(repeats[0].id, 'duplicate')).toMatchObject({ incidentRole: 'duplicate', incidentOf: firingKey, delivered: false, deliveries: [] });
  expect(posts('alert.fired', alertId)).toHaveLength(1);
  return firingKey;
}

describe('Alertmanager → intake → ingest → deliverAlert → receiver (real processes)', () => {
  it('fired in Alertmanager: one page however often Alertmanager repeats it; resolved in Alertmanager: resolved on the receiver under `<firing key>:resolved`', async () => {
    const { alert, alertId } = anAlert('ReplicationLag');
    const firingKey = await fireAndRepeat(alert, alertId);

    // Resolved in Alertmanager: the same alert with endsAt in the past (as Prometheus sends it when the rule stops firing).
    await am!.push([{ ...alert, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    await explained(p.receiver.waitFor(() => posts('alert.resolved', alertId).length > 0, 30_000));
    const [resolvedEntry] = await entries(alertId, 'resolved');
    const [resolved] = posts('alert.resolved', alertId);
    expect(resolved.key).toBe(`${firingKey}:resolved`);
    expect(resolved.json.data).toMatchObject({ alertId, status: 'resolved', resolves: firingKey, deliveryId: `${firingKey}:resolved`, workflowId: p.key(resolvedEntry.id), firedAt: fired(alertId).firedAt });
    expect(await settled(resolvedEntry.id, 'delivered')).toMatchObject({ incidentRole: 'resolve', incidentOf: firingKey, status: 'resolved' });
    expect(await incident(alertId)).toMatchObject({ state: 'resolved', deliveryId: firingKey, resolvedBy: p.key(resolvedEntry.id) });

    // Alertmanager sends a group's notifications one after another, so every repeat it sent before its resolve
    // reached us before it; after its resolve it sends nothing for the alert. Each of those entries' runs closed:
    // the page and the resolve notified the channel, every repeat nothing. One page, one resolve.
    await expectSentOnlyBy(alertId, [firingKey, p.key(resolvedEntry.id)]);
    expect(posts('alert.fired', alertId).map((x) => x.key)).toEqual([firingKey]);
    expect(posts('alert.resolved', alertId).map((x) => x.key)).toEqual([`${firingKey}:resolved`]);
    expect(await entries(alertId, 'resolved')).toHaveLength(1);
  });

  it('fired in Alertmanager, resolved through us (alertctl resolve): resolved on the receiver; Alertmanager\'s repeats and its late resolve stay silent', async () => {
    const { alert, alertId } = anAlert('DiskFull');
    const firingKey = await fireAndRepeat(alert, alertId);

    // alertctl resolve <firing workflow ID>: the firing delivery's event with status resolved, into the stream.
    const res = await runAlertctl(['resolve', firingKey, '--json'], { REDIS_URL, ALERT_STREAM: p.stream });
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    const out = JSON.parse(res.stdout) as { messageId: string; workflowId: string; resolves: string; alertId: string; event: Record<string, unknown> };
    expect(out).toMatchObject({ resolves: firingKey, alertId, workflowId: p.key(out.messageId), event: { alertId, status: 'resolved', firedAt: fired(alertId).firedAt } });

    await explained(p.receiver.waitFor(() => posts('alert.resolved', alertId).length > 0, 30_000));
    const [resolved] = posts('alert.resolved', alertId);
    expect(resolved.key).toBe(`${firingKey}:resolved`);
    expect(resolved.json.data).toMatchObject({ alertId, status: 'resolved', resolves: firingKey, deliveryId: `${firingKey}:resolved`, workflowId: out.workflowId });
    expect(await settled(out.messageId, 'delivered')).toMatchObject({ incidentRole: 'resolve', incidentOf: firingKey });
    expect(await incident(alertId)).toMatchObject({ state: 'resolved', deliveryId: firingKey, resolvedBy: out.workflowId });

    // Alertmanager still has the alert firing and repeats it: a firing of a resolved incident that did not
    // fire later than it is a duplicate (no new page).
    const seen = (await entries(alertId, 'firing')).length;
    const late = await explained(p.waitFor('Alertmanager repeating the firing alert after our resolve', async () => {
      const firing = await entries(alertId, 'firing');
      return firing.length > seen ? firing[seen] : undefined;
    }, 30_000));
    expect(await settled(late.id, 'duplicate')).toMatchObject({ incidentRole: 'duplicate', incidentOf: out.workflowId });

    // Then it resolves in Alertmanager too: that resolve is a duplicate of ours; nothing more is sent.
    await am!.push([{ ...alert, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    const amResolve = await explained(p.waitFor('Alertmanager\'s resolved notification', async () => {
      const r = (await entries(alertId, 'resolved')).filter((x) => p.key(x.id) !== out.workflowId);
      return r[0];
    }, 30_000));
    expect(await settled(amResolve.id, 'duplicate')).toMatchObject({ incidentRole: 'duplicate', incidentOf: out.workflowId });
    await expectSentOnlyBy(alertId, [firingKey, out.workflowId]);
    expect(posts('alert.fired', alertId).map((x) => x.key)).toEqual([firingKey]);
    expect(posts('alert.resolved', alertId).map((x) => x.key)).toEqual([`${firingKey}:resolved`]);
    expect(await incident(alertId)).toMatchObject({ state: 'resolved', resolvedBy: out.workflowId });
  });
});
