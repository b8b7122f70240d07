// The real Prometheus Alertmanager notifying the real intake (node dist/src/intake.js) through its webhook
// with a bearer token: a firing alert, then the same alert resolved, become AlertEvents in the stream with
// the documented mapping and one alertId per incident.
import type Redis from 'ioredis';
import { labelsFingerprint } from '../src/intake/alertmanager';
import { startAlertmanager, type AlertmanagerProcess } from './helpers/alertmanager';
import { TEST_INTAKE_TOKEN, startIntake, streamEvents, waitForEvents, type IntakeProcess } from './helpers/intake';
import { cleanup, redis, uid } from './helpers/stack';

describe('Alertmanager → intake (real Alertmanager webhook)', () => {
  const stream = uid('am-alerts');
  let r: Redis;
  let intake: IntakeProcess;
  let am: AlertmanagerProcess;

  beforeAll(async () => {
    r = redis();
    intake = await startIntake({ stream });
    am = await startAlertmanager({ webhookUrl: `${intake.url}/api/v1/alertmanager`, token: TEST_INTAKE_TOKEN });
  }, 45_000);

  afterAll(async () => {
    await am?.stop();
    await intake?.kill();
    await cleanup(r, undefined, [stream], []);
    r?.disconnect();
  });

  const labels = { alertname: 'HighCPU', severity: 'warning', instance: 'host-7:9100', job: 'node', view: 'prod', team: 'infra', run: uid('run') };
  const annotations = { summary: 'CPU at 97% on host-7', description: 'Load has been above 95% for 10 minutes.\nCheck the batch jobs.' };
  const startsAt = new Date(Date.now() - 60_000);
  const fingerprint = labelsFingerprint(labels);
  const diagnostics = () => `\nAlertmanager:\n${am.output().slice(-2500)}\nIntake:\n${intake.output().slice(-2500)}`;

  it('a firing alert arrives as a firing AlertEvent with the mapping of the README', async () => {
    await am.push([{ labels, annotations, startsAt: startsAt.toISOString(), generatorURL: 'http://prometheus.example/graph?g0.expr=cpu' }]);
    const events = await waitForEvents(r, stream, (e) => e.length >= 1).catch((e: Error) => { throw new Error(e.message + diagnostics()); });
    expect(events).toHaveLength(1);
    const { event } = events[0];
    expect(event).toEqual({
      // Alertmanager's own fingerprint of the label set, which the intake also computes when a sender has none
      alertId: `am:${fingerprint}:${startsAt.toISOString()}`,
      ruleId: 'HighCPU',
      ruleName: 'HighCPU',
      severity: 'medium',
      title: 'CPU at 97% on host-7',
      description: 'Load has been above 95% for 10 minutes.\nCheck the batch jobs.',
      view: 'prod',
      scope: 'host-7:9100',
      labels,
      firedAt: expect.any(String),
      status: 'firing',
    });
    expect(Date.parse(event.firedAt)).toBe(startsAt.getTime());
    expect(intake.output()).toMatch(/"source":"alertmanager","alerts":1/);
  }, 30_000);

  it('the same alert resolved (endsAt in the past) arrives as resolved with the same alertId', async () => {
    const before = (await streamEvents(r, stream)).length;
    await am.push([{ labels, annotations, startsAt: startsAt.toISOString(), endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    const events = await waitForEvents(r, stream, (e) => e.some((x) => x.event.status === 'resolved')).catch((e: Error) => { throw new Error(e.message + diagnostics()); });
    const resolved = events.filter((x) => x.event.status === 'resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0].event.alertId).toBe(`am:${fingerprint}:${startsAt.toISOString()}`);
    expect(resolved[0].event).toMatchObject({ ruleId: 'HighCPU', severity: 'medium', scope: 'host-7:9100', labels });
    // nothing else was sent in between (the firing alert is not repeated within repeat_interval)
    expect(events.length).toBe(before + 1);
  }, 30_000);

  it('the series firing again later is a new incident: a new alertId', async () => {
    const again = new Date();
    await am.push([{ labels, annotations, startsAt: again.toISOString() }]);
    const events = await waitForEvents(r, stream, (e) => e.length >= 3).catch((e: Error) => { throw new Error(e.message + diagnostics()); });
    const last = events[events.length - 1].event;
    expect(last.status).toBe('firing');
    expect(last.alertId).toBe(`am:${fingerprint}:${again.toISOString()}`);
    expect(last.alertId).not.toBe(events[0].event.alertId);
  }, 30_000);

  it('an Alertmanager with a wrong token is refused (401) and writes nothing', async () => {
    const before = await r.xlen(stream);
    const refusals = () => intake.output().match(/"route":"\/api\/v1\/alertmanager","reason":"wrong"/g)?.length ?? 0;
    const wrong = await startAlertmanager({ webhookUrl: `${intake.url}/api/v1/alertmanager`, token: 'not-the-token-0123456789abcdef' });
    try {
      await wrong.push([{ labels: { alertname: 'Intruder', run: uid('run') }, startsAt: new Date().toISOString() }]);
      const deadline = Date.now() + 20_000;
      // the intake logs its refusal, then Alertmanager logs the failed notify a moment later: wait for both
      while ((refusals() === 0 || !/401/.test(wrong.output())) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      expect(refusals()).toBeGreaterThan(0);
      expect(wrong.output()).toMatch(/401/);
    } finally {
      await wrong.stop();
    }
    expect(await r.xlen(stream)).toBe(before);
    expect(intake.output()).not.toContain('not-the-token-0123456789abcdef');
  }, 45_000);
});
