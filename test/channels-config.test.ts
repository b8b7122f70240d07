// The channels file (parseChannelsFile), routing (ChannelRegistry) and the environment (loadConfig):
// everything is validated at start-up and every error names where the problem is.
import path from 'node:path';
import { parseChannelsFile, type ChannelsFile } from '../src/channels/config';
import { ChannelRegistry } from '../src/channels/registry';
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import type { AlertEvent } from '../src/contracts/alert';

const FILE = 'channels.yaml';

/** The ConfigError parseChannelsFile throws; fails the test if it accepted the file. */
function configError(text: string, env: Record<string, string | undefined> = {}): ConfigError {
  let thrown: unknown;
  try {
    parseChannelsFile(text, FILE, env);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('parseChannelsFile accepted the file');
  expect(thrown).toBeInstanceOf(ConfigError);
  const err = thrown as ConfigError;
  expect(err.message).toContain(`channels file ${FILE}`);
  return err;
}

const hook = (extra = '') => `channels:\n  hook:\n    type: webhook\n    url: https://hooks.example.com/T000\n${extra}`;

describe('parseChannelsFile', () => {
  it('applies the defaults: required, 10 s timeout, retry policy, no routes', () => {
    const f = parseChannelsFile(hook(), FILE, {});
    expect(f).toEqual({
      channels: {
        hook: {
          type: 'webhook',
          url: 'https://hooks.example.com/T000',
          required: true,
          timeout: 10_000,
          retry: { initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 60_000, maximumAttempts: 8 },
          deadline: 3_600_000,
        },
      },
      routes: [],
      escalations: {},
      inhibit_rules: [],
    });
  });

  it('parses durations, a partial retry block, headers, secret and routes', () => {
    const f = parseChannelsFile(
      `channels:
  ops:
    type: webhook
    url: http://127.0.0.1:8080/alerts
    secret: whsec_MDEyMzQ1Njc4OWFiY2RlZg==
    headers: { Authorization: Bearer abc }
    required: false
    timeout: 2.5s
    retry: { initialInterval: 500ms, maximumAttempts: 3 }
  pager:
    type: webhook
    url: https://pager.example.com/
    timeout: 1500
routes:
  - match: { severity: [critical] }
    channels: [pager]
  - channels: [ops]
`,
      FILE,
      {},
    );
    expect(f.channels.ops).toEqual({
      type: 'webhook',
      url: 'http://127.0.0.1:8080/alerts',
      secret: 'whsec_MDEyMzQ1Njc4OWFiY2RlZg==',
      headers: { Authorization: 'Bearer abc' },
      required: false,
      timeout: 2500,
      retry: { initialInterval: 500, backoffCoefficient: 2, maximumInterval: 60_000, maximumAttempts: 3 },
      deadline: 3_600_000,
    });
    expect(f.channels.pager.timeout).toBe(1500);
    expect(f.routes).toEqual([
      { match: { severity: ['critical'] }, channels: ['pager'], continue: false },
      { match: {}, channels: ['ops'], continue: false },
    ]);
  });

  it('interpolates ${VAR} and ${VAR:-default} from the given environment', () => {
    const text = `channels:
  hook:
    type: webhook
    url: \${HOOK_BASE}/hooks/\${HOOK_TOKEN}
    secret: \${HOOK_SECRET:-whsec_ZGVmYXVsdC1zZWNyZXQtMTZi}
    timeout: \${HOOK_TIMEOUT:-3s}
    headers:
      X-Env: prefix-\${DEPLOY_ENV:-dev}-suffix
`;
    const f = parseChannelsFile(text, FILE, { HOOK_BASE: 'https://hooks.example.com', HOOK_TOKEN: 'T000', DEPLOY_ENV: 'prod' });
    expect(f.channels.hook).toMatchObject({
      url: 'https://hooks.example.com/hooks/T000',
      secret: 'whsec_ZGVmYXVsdC1zZWNyZXQtMTZi',
      timeout: 3000,
      headers: { 'X-Env': 'prefix-prod-suffix' },
    });
    // an empty variable counts as unset: the default applies
    expect((parseChannelsFile(text, FILE, { HOOK_BASE: 'https://h.example.com', HOOK_TOKEN: 'x', HOOK_SECRET: '' }).channels.hook as any).secret).toBe('whsec_ZGVmYXVsdC1zZWNyZXQtMTZi');
  });

  it('does not interpolate recursively (a variable whose value looks like ${OTHER} stays literal)', () => {
    const f = parseChannelsFile(hook('    headers: { X-Token: "${TOKEN}" }\n'), FILE, { TOKEN: '${SECRET}', SECRET: 'leak' });
    expect((f.channels.hook as any).headers).toEqual({ 'X-Token': '${SECRET}' });
  });

  it('a missing environment variable names the path and the variable', () => {
    const err = configError(`channels:\n  hook:\n    type: webhook\n    url: \${HOOK_URL}\n    secret: \${HOOK_SECRET}\n`, { HOOK_URL: '' });
    expect(err.problems).toEqual(['channels.hook.url: environment variable HOOK_URL is not set', 'channels.hook.secret: environment variable HOOK_SECRET is not set']);
    expect(err.message).toMatch(/channels\.hook\.url: environment variable HOOK_URL is not set/);
  });

  it('a missing variable inside a list names the index', () => {
    const err = configError(`${hook()}routes:\n  - channels: ["\${ROUTE_CHANNEL}"]\n`);
    expect(err.problems).toEqual(['routes[0].channels[0]: environment variable ROUTE_CHANNEL is not set']);
  });

  it.each([
    ['YAML syntax error', 'channels:\n  hook: [\n', /YAML: /],
    ['tab indentation', 'channels:\n\thook:\n', /YAML: /],
    ['duplicate key', `${hook()}  hook:\n    type: webhook\n    url: https://x.example.com/\n`, /YAML: .*[Mm]ap keys must be unique/],
    ['empty file', '', /\(top level\): Invalid input: expected object, received null/],
    ['a list instead of a map', '- hook\n', /\(top level\): Invalid input: expected object, received array/],
    ['no channels key', 'routes: []\n', /channels: Invalid input: expected record, received undefined/],
    ['empty channels map', 'channels: {}\n', /channels: at least one channel is needed/],
    ['unknown channel type', 'channels:\n  hook:\n    type: carrier-pigeon\n    url: https://x.example.com/\n', /channels\.hook\.type: Invalid discriminator value/],
    ['missing type', 'channels:\n  hook:\n    url: https://x.example.com/\n', /channels\.hook\.type: /],
    ['URL that is not a URL', 'channels:\n  hook:\n    type: webhook\n    url: not a url\n', /channels\.hook\.url: Invalid URL/],
    ['ftp URL', 'channels:\n  hook:\n    type: webhook\n    url: ftp://files.example.com/x\n', /channels\.hook\.url: Invalid URL/],
    ['missing URL', 'channels:\n  hook:\n    type: webhook\n', /channels\.hook\.url: /],
    ['duration "ten seconds"', hook('    timeout: ten seconds\n'), /channels\.hook\.timeout: "ten seconds" is not a duration/],
    ['negative duration', hook('    retry: { initialInterval: -5 }\n'), /channels\.hook\.retry\.initialInterval: "-5" is not a duration/],
    ['backoffCoefficient below 1', hook('    retry: { backoffCoefficient: 0.5 }\n'), /channels\.hook\.retry\.backoffCoefficient: Too small/],
    ['fractional maximumAttempts', hook('    retry: { maximumAttempts: 2.5 }\n'), /channels\.hook\.retry\.maximumAttempts: Invalid input: expected int, received number/],
    ['required as a string', hook('    required: "yes"\n'), /channels\.hook\.required: Invalid input: expected boolean, received string/],
    ['unknown key on a channel (strict)', hook('    tiemout: 5s\n'), /channels\.hook: Unrecognized key: "tiemout"/],
    ['unknown key in retry (strict)', hook('    retry: { attempts: 3 }\n'), /channels\.hook\.retry: Unrecognized key: "attempts"/],
    ['unknown top-level key (strict)', `${hook()}defaults: {}\n`, /\(top level\): Unrecognized key: "defaults"/],
    ['bad channel name', 'channels:\n  "ops hook":\n    type: webhook\n    url: https://x.example.com/\n', /channels\.ops hook: channel names: letters, digits/],
    ['route to an unknown channel', `${hook()}routes:\n  - channels: [pager]\n`, /routes\.0\.channels\.0: unknown channel "pager"/],
    ['second route to an unknown channel', `${hook()}routes:\n  - channels: [hook]\n  - channels: [hook, pagr]\n`, /routes\.1\.channels\.1: unknown channel "pagr"/],
    ['route with no channels', `${hook()}routes:\n  - channels: []\n`, /routes\.0\.channels: Too small/],
    ['route matching an unknown severity', `${hook()}routes:\n  - match: { severity: [urgent] }\n    channels: [hook]\n`, /routes\.0\.match\.severity\.0: Invalid option/],
    ['unknown match key (strict)', `${hook()}routes:\n  - match: { team: infra }\n    channels: [hook]\n`, /routes\.0\.match: Unrecognized key: "team"/],
  ])('rejects: %s', (_name, text, problem) => {
    const err = configError(text);
    expect(err.problems.length).toBeGreaterThan(0);
    expect(err.problems.join('\n')).toMatch(problem);
    expect(err.message).toMatch(problem);
  });

  it('reports every schema problem at once', () => {
    const err = configError(hook('    timeout: ten seconds\n    tiemout: 5s\n').replace('https://hooks.example.com/T000', 'nope'));
    expect(err.problems).toHaveLength(3);
    expect(err.message).toMatch(/channels\.hook\.url/);
    expect(err.message).toMatch(/channels\.hook\.timeout/);
    expect(err.message).toMatch(/tiemout/);
  });
  // the real message in issue.issues, which parseChannelsFile drops; the hint written for operators never shows.
  // Fix: when i.code === 'invalid_key', report i.issues' messages.
  it('a bad channel name is reported with the naming rule', () => {
    const err = configError('channels:\n  "ops hook":\n    type: webhook\n    url: https://x.example.com/\n');
    expect(err.message).toContain('channels.ops hook: channel names: letters, digits and . _ - only');
  });
  // so routes to "toString", "constructor", "hasOwnProperty"... pass validation and later crash
  // ChannelRegistry.plan() with a TypeError (see the routing test below). Fix: Object.hasOwn(f.channels, c).
  it.each(['toString', 'constructor', 'hasOwnProperty'])('rejects a route to "%s" (a name only Object.prototype has)', (name) => {
    const err = configError(`${hook()}routes:\n  - channels: [${name}]\n`);
    expect(err.message).toContain(`routes.0.channels.0: unknown channel "${name}"`);
  });
});

// ---------------------------------------------------------------------------------------------------
const SECRET = 'whsec_dG9wLXNlY3JldC1rZXktZG8tbm90LWxlYWs=';
const ROUTED = `channels:
  ops:
    type: webhook
    url: https://hooks.example.com/ops/TOKEN-OPS-123
    secret: ${SECRET}
    timeout: 2s
    retry: { initialInterval: 250ms, backoffCoefficient: 3, maximumInterval: 10s, maximumAttempts: 4 }
  pager:
    type: webhook
    url: https://pager.example.com/PAGER-TOKEN-456
    required: false
  db-team:
    type: webhook
    url: https://db.example.com/hook
  audit:
    type: webhook
    url: https://audit.example.com/hook
routes:
  - match: { labels: { team: db } }
    channels: [db-team]
    continue: true
  - match: { severity: [critical, high] }
    channels: [pager, ops]
  - match: { ruleId: [rule-disk] }
    channels: [ops]
  - match: { severity: [info] }
    channels: [audit]
    continue: true
  - match: { severity: [info], labels: { team: db } }
    channels: [ops]
  - channels: [audit]
`;

function event(over: Partial<AlertEvent> = {}): AlertEvent {
  return {
    alertId: 'a-1',
    ruleId: 'rule-cpu',
    ruleName: 'CPU high',
    severity: 'medium',
    title: 'CPU high',
    view: 'prod',
    scope: 'host-1',
    firedAt: '2026-01-15T10:20:30Z',
    ...over,
  };
}

describe('ChannelRegistry', () => {
  let file: ChannelsFile;
  let reg: ChannelRegistry;
  beforeAll(() => {
    file = parseChannelsFile(ROUTED, FILE, {});
    reg = new ChannelRegistry(file);
  });

  it('builds one channel per entry', () => {
    expect(reg.names()).toEqual(['ops', 'pager', 'db-team', 'audit']);
    expect(reg.has('ops')).toBe(true);
    expect(reg.has('toString')).toBe(false);
    expect(reg.get('ops')).toMatchObject({ name: 'ops', type: 'webhook' });
    expect(reg.get('nope')).toBeUndefined();
  });

  it.each<[string, Partial<AlertEvent>, string[]]>([
    ['the event\'s own channels override the routes (duplicates dropped)', { severity: 'critical', channels: ['audit', 'audit', 'db-team'] }, ['audit', 'db-team']],
    ['an empty own list falls back to the routes', { severity: 'critical', channels: [] }, ['pager', 'ops']],
    ['severity match; first match stops', { severity: 'critical' }, ['pager', 'ops']],
    ['ruleId match', { ruleId: 'rule-disk' }, ['ops']],
    ['label match with continue: true, then the next matching route', { severity: 'high', labels: { team: 'db' } }, ['db-team', 'pager', 'ops']],
    ['continue: true on the last matching route collects later matches', { severity: 'info', labels: { team: 'db' } }, ['db-team', 'audit', 'ops']],
    ['continue: true with nothing else matching', { severity: 'info' }, ['audit']],
    ['labels must all be equal (other label value)', { severity: 'low', labels: { team: 'web' } }, ['audit']],
    ['no route matches: the catch-all only', { severity: 'low' }, ['audit']],
  ])('routes: %s', (_name, over, expected) => {
    expect(reg.route(event(over))).toEqual(expected);
  });

  describe('escalation policies', () => {
    const two = `channels:
  chat: { type: webhook, url: http://127.0.0.1:1/chat }
  pager: { type: webhook, url: http://127.0.0.1:1/pager }
`;
    const policy = `escalations:
  standard:
    levels:
      - { after: 0s, channels: [chat] }
      - { after: 5m, channels: [pager] }
      - { after: 15m, channels: [chat, pager] }
    repeat: 1
`;
    it('a route picks a policy: all its channels are planned, levels due at once join the first round', () => {
      const r = new ChannelRegistry(parseChannelsFile(`${two}${policy}routes:
  - match: { severity: [critical] }
    escalation: standard
  - channels: [chat]
`, FILE, {}));
      expect(r.route(event({ severity: 'critical' }))).toEqual(['chat', 'pager']);
      expect(r.escalation(event({ severity: 'critical' }))).toEqual({
        policy: 'standard', initial: ['chat'], repeat: 1,
        levels: [{ afterMs: 300_000, channels: ['pager'] }, { afterMs: 900_000, channels: ['chat', 'pager'] }],
      });
      expect(r.escalation(event({ severity: 'low' }))).toBeUndefined(); // the catch-all has none
      expect(r.escalation(event({ severity: 'critical', channels: ['pager'] }))).toBeUndefined(); // own channels: no policy
    });

    it.each([
      ['an unknown policy', `${two}${policy}routes:
  - escalation: nope
`, /routes\.0\.escalation: unknown escalation policy "nope"/],
      ['an unknown channel in a level', `${two}escalations:
  p:
    levels: [{ after: 0s, channels: [sms] }]
routes:
  - escalation: p
`, /escalations\.p\.levels\.0\.channels\.0: unknown channel "sms"/],
      ['levels out of order', `${two}escalations:
  p:
    levels: [{ after: 5m, channels: [chat] }, { after: 1m, channels: [pager] }]
routes:
  - escalation: p
`, /increasing `after` order/],
      ['a route with neither channels nor a policy', `${two}routes:
  - match: { severity: [low] }
  - channels: [chat]
`, /a route needs `channels`, `escalation` or `team` \(or several\)/],
    ])('refuses %s at start-up', (_name, text, message) => {
      expect(configError(text).problems.join('\n')).toMatch(message);
    });
  });

  it('routes everything to the only channel when there is one channel and no routes', () => {
    const r = new ChannelRegistry(parseChannelsFile(hook(), FILE, {}));
    expect(r.route(event({ severity: 'critical' }))).toEqual(['hook']);
  });

  it('unknown() lists an event\'s own channels that do not exist (including Object.prototype names)', () => {
    expect(reg.unknown(event({ channels: ['ops', 'nope', 'toString'] }))).toEqual(['nope', 'toString']);
    expect(reg.unknown(event())).toEqual([]);
  });

  it('plan() carries each channel\'s policy and never its URL or secret', () => {
    const plan = reg.plan(event({ severity: 'critical' }));
    expect(plan).toEqual([
      {
        name: 'pager',
        type: 'webhook',
        required: false,
        timeoutMs: 10_000 + 5_000,
        deadlineMs: 3_600_000,
        retry: { initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 60_000, maximumAttempts: 8, nonRetryableErrorTypes: ['PermanentDeliveryError'] },
      },
      {
        name: 'ops',
        type: 'webhook',
        required: true,
        timeoutMs: 2_000 + 5_000,
        deadlineMs: 3_600_000,
        retry: { initialInterval: 250, backoffCoefficient: 3, maximumInterval: 10_000, maximumAttempts: 4, nonRetryableErrorTypes: ['PermanentDeliveryError'] },
      },
    ]);
    const all = JSON.stringify([plan, reg.plan(event({ severity: 'low' }))]);
    for (const c of Object.values(file.channels) as any[]) expect(all).not.toContain(c.url);
    for (const s of ['TOKEN-OPS-123', 'PAGER-TOKEN-456', 'example.com', SECRET, SECRET.slice('whsec_'.length)]) expect(all).not.toContain(s);
  });
  it('plan() of a channel this worker lacks (an ingest with another channels file let it through): one attempt that fails permanently, so the alert parks visibly', () => {
    expect(reg.plan(event({ channels: ['ops', 'gone'] }))).toEqual([
      expect.objectContaining({ name: 'ops', type: 'webhook' }),
      { name: 'gone', type: 'unknown', required: true, timeoutMs: 5_000, deadlineMs: 60_000, retry: { maximumAttempts: 1, nonRetryableErrorTypes: ['PermanentDeliveryError'] } },
    ]);
  });
  // then plan() destructures `this.channels.get('toString')!` (undefined) and throws a TypeError.
  // So such a file must be rejected at start-up, before any registry exists.
  it('never plans a channel that does not exist (route to "toString"): the file is rejected at start-up', () => {
    const text = `${hook()}routes:\n  - channels: [toString]\n`;
    expect(() => new ChannelRegistry(parseChannelsFile(text, FILE, {}))).toThrow(ConfigError);
    expect(() => parseChannelsFile(text, FILE, {})).toThrow('routes.0.channels.0: unknown channel "toString"');
  });
});

// ---------------------------------------------------------------------------------------------------
describe('loadConfig (environment)', () => {
  it('applies the defaults', () => {
    const cfg = loadConfig('worker', {});
    expect(cfg).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      stream: 'alerts',
      group: 'alert-processor',
      temporal: { connection: { address: 'localhost:7233' }, namespace: 'default', cloud: false },
      namespace: 'default',
      taskQueue: 'alert-delivery',
      opensearchUrl: 'http://localhost:9200',
      index: 'alerts',
      ingest: { batchSize: 100, concurrency: 32, blockMs: 1000, reclaimIdleMs: 60_000, maxEventBytes: 262_144 },
      park: { redriveIntervalMs: 3_600_000, giveUpAfterMs: 7 * 86_400_000 },
      startupTimeoutMs: 30_000,
      metricsPort: 9464,
      logLevel: 'info',
      lifecycle: true,
      incidentTimeoutMs: 86_400_000,
    });
    expect(cfg.consumer).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/);
    expect(loadConfig('ingest', {}).metricsPort).toBe(9465);
    expect(loadConfig('tool', {}).metricsPort).toBe(0);
  });
  // <package>/config, but from src/ (jest, ts-node) it is the package's parent directory. The .replace(/dist[\\/]config/)
  // shows the intent: with ONE '..' both src/ → <package>/config and dist/src → dist/config → <package>/config work.
  it('defaults CHANNELS_FILE to config/channels.yaml in this package', () => {
    expect(loadConfig('worker', {}).channelsFile).toBe(path.resolve(__dirname, '..', 'config', 'channels.yaml'));
  });

  it('takes values from the environment; empty means default', () => {
    const cfg = loadConfig('combined', {
      REDIS_URL: 'rediss://cache.internal:6380',
      ALERT_STREAM: 'alerts:prod',
      INGEST_BATCH_SIZE: '500',
      INGEST_BLOCK: '250ms',
      GIVE_UP_AFTER: '0',
      CHANNELS_FILE: '/etc/alert-delivery/channels.yaml',
      ALERT_INDEX: '',
      LOG_LEVEL: 'debug',
      INCIDENT_TIMEOUT: '2h',
    });
    expect(cfg).toMatchObject({
      incidentTimeoutMs: 7_200_000,
      redisUrl: 'rediss://cache.internal:6380',
      stream: 'alerts:prod',
      ingest: { batchSize: 500, blockMs: 250 },
      park: { giveUpAfterMs: 0 },
      channelsFile: '/etc/alert-delivery/channels.yaml',
      index: 'alerts',
      logLevel: 'debug',
    });
  });

  it('names every bad variable in one ConfigError', () => {
    let thrown: unknown;
    try {
      loadConfig('combined', { REDIS_URL: 'not-a-url', INGEST_BATCH_SIZE: '0', INGEST_BLOCK: 'forever', ALERT_INDEX: 'UPPER' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const err = thrown as ConfigError;
    expect(err.problems).toHaveLength(4);
    for (const v of ['REDIS_URL="not-a-url"', 'INGEST_BATCH_SIZE="0"', 'INGEST_BLOCK="forever"', 'ALERT_INDEX="UPPER"']) {
      expect(err.problems.some((p) => p.startsWith(v))).toBe(true);
      expect(err.message).toContain(v);
    }
  });

  it.each([
    ['REDIS_URL', 'http://127.0.0.1:6379', /REDIS_URL: protocol http: is not one of redis:, rediss:/],
    ['OPENSEARCH_URL', 'localhost:9200', /OPENSEARCH_URL/],
    ['TEMPORAL_ADDRESS', 'localhost', /Temporal connection: address "localhost": expected host:port/],
    ['ALERT_STREAM', 'alerts stream', /ALERT_STREAM="alerts stream"/],
    ['INGEST_CONCURRENCY', '1.5', /INGEST_CONCURRENCY="1.5": expected a whole number from 1 to 1000/],
    ['MAX_EVENT_BYTES', '10', /MAX_EVENT_BYTES="10"/],
    ['METRICS_PORT', '70000', /METRICS_PORT="70000"/],
    ['REDRIVE_INTERVAL', '1 week', /REDRIVE_INTERVAL="1 week": expected a duration/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL="verbose"/],
  ])('rejects %s=%s', (name, value, problem) => {
    expect(() => loadConfig('combined', { [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig('combined', { [name]: value })).toThrow(problem);
  });
});
