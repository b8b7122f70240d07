// Rollover mode against the real OpenSearch (OPENSEARCH_INDEX_ROLLOVER=true): ALERT_INDEX is a write alias
// over `<alias>-000001`, … made from the index template `alertctl index-template` writes; the index is rolled
// over with the core `_rollover` API (what ISM's rollover action calls). A delivery's document created before a
// rollover is found, deduplicated and updated in its own index after it; the start-up check refuses a template
// that would make the next index differently. Every test uses its own alias, template and indices.
import type { Client } from '@opensearch-project/opensearch';
import { ALERT_MAPPING, mappingMismatches } from '../src/store/mapping';
import { loadConfig } from '../src/config';
import { MappingMismatchError, StartupCheckError } from '../src/errors';
import { indexTemplate, installIndexTemplate, messageTime, nextIndexName } from '../src/store/rollover';
import type { DeliveryRequest, DeliveryState } from '../src/contracts/delivery';
import { workflowIdFor } from '../src/contracts/ids';
import { AlertStore, type StoreSettings } from '../src/store';
import { runAlertctl } from './helpers/alertctl';
import { alertEvent } from './helpers/alerts';
import { Pipeline } from './helpers/pipeline';
import { serviceEnv, startProcess, writeChannelsFile } from './helpers/processes';
import { OPENSEARCH_URL, opensearch, uid } from './helpers/stack';

jest.setTimeout(120_000);

let os: Client;
const aliases: string[] = [];
const SETTINGS = { shards: 1, replicas: 0 };

/** A fresh alias name for this test; its template and indices are deleted in afterAll. */
function newAlias(): string {
  const alias = uid('rollover');
  aliases.push(alias);
  return alias;
}

async function installTemplate(alias: string): Promise<void> {
  await installIndexTemplate(os, alias, indexTemplate(alias, SETTINGS));
}

function rolloverStore(alias: string, over: Partial<StoreSettings> = {}): AlertStore {
  return new AlertStore(os, alias, { ...SETTINGS, rollover: true, ...over });
}

function request(messageId: string, over = {}): DeliveryRequest {
  return { stream: 'alerts', group: 'g', messageId, deliveryId: `alerts:${messageId}`, receivedAt: new Date().toISOString(), event: alertEvent(over) };
}

/** A stream message ID stamped now (as Redis stamps XADD *). */
function freshMessageId(seq = 0): string {
  return `${Date.now()}-${seq}`;
}

/** The document in one concrete index (undefined if it is not there). */
async function docIn(index: string, id: string): Promise<Record<string, any> | undefined> {
  try {
    return (await os.get({ index, id })).body._source as Record<string, any>;
  } catch (e) {
    if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
    throw e;
  }
}

async function members(alias: string): Promise<Record<string, boolean | undefined>> {
  const body = (await os.indices.getAlias({ name: alias })).body as Record<string, { aliases: Record<string, { is_write_index?: boolean }> }>;
  return Object.fromEntries(Object.entries(body).map(([i, v]) => [i, v.aliases[alias].is_write_index]));
}

async function rollover(alias: string): Promise<{ old_index: string; new_index: string; rolled_over: boolean }> {
  return (await os.indices.rollover({ alias })).body;
}

const delivered: DeliveryState = { status: 'delivered', channels: [], rounds: 1, parkedAt: null, abandonReason: null };

beforeAll(() => {
  os = opensearch();
});
afterAll(async () => {
  for (const alias of aliases) {
    for (const name of [alias, `${alias}-rogue`]) await os.indices.deleteIndexTemplate({ name }).catch(() => undefined);
    const found = await os.indices.get({ index: `${alias}*`, expand_wildcards: 'all' }).catch(() => ({ body: {} }));
    for (const index of Object.keys(found.body)) await os.indices.delete({ index }).catch(() => undefined);
  }
  await os.close();
});

describe('index template', () => {
  it('carries exactly the service mapping (strict) for <alias>-*, and the settings; --ism adds the rollover alias setting', () => {
    const body = indexTemplate('alerts', { shards: 3, replicas: 1 }) as { index_patterns: string[]; template: { settings: Record<string, unknown>; mappings: unknown } };
    expect(body.index_patterns).toEqual(['alerts-*']);
    expect(body.template.mappings).toEqual(ALERT_MAPPING);
    expect(body.template.settings).toEqual({ number_of_shards: 3, number_of_replicas: 1, refresh_interval: '1s' });
    const ism = indexTemplate('alerts', SETTINGS, { ism: true }) as typeof body;
    expect(ism.template.settings['plugins.index_state_management.rollover_alias']).toBe('alerts');
  });

  it('OPENSEARCH_INDEX_ROLLOVER is true or false (default false); anything else is named at start-up', () => {
    expect(loadConfig('tool', {}).opensearch.index.rollover).toBe(false);
    expect(loadConfig('tool', { OPENSEARCH_INDEX_ROLLOVER: 'true' }).opensearch.index).toEqual({ shards: 1, replicas: 0, rollover: true });
    expect(() => loadConfig('tool', { OPENSEARCH_INDEX_ROLLOVER: 'yes' }))
      .toThrow(expect.objectContaining({ problems: ['OPENSEARCH_INDEX_ROLLOVER="yes": expected true or false'] }));
  });

  it('names the next index as _rollover does, and reads the time of a stream message ID', () => {
    expect(nextIndexName('alerts-000001')).toBe('alerts-000002');
    expect(nextIndexName('alerts-2026.11.23-000999')).toBe('alerts-2026.11.23-001000');
    expect(nextIndexName('alerts')).toBeUndefined();
    expect(messageTime('1795447984043-7', 1795447984043)).toBe(1795447984043);
    expect(messageTime('4000-0', 1795447984043)).toBe(4000);
    expect(messageTime('1795447984043-0', 1795447984043 - 1000)).toBeUndefined(); // in the future: no usable time
    expect(messageTime('not-an-id')).toBeUndefined();
  });

  it('`alertctl index-template --install` installs it; the service then creates <alias>-000001 behind the write alias', async () => {
    const alias = newAlias();
    const env = { OPENSEARCH_URL, ALERT_INDEX: alias, OPENSEARCH_INDEX_SHARDS: '2' };
    const printed = await runAlertctl(['index-template'], env);
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(printed.stdout)).toEqual(JSON.parse(JSON.stringify(indexTemplate(alias, { shards: 2, replicas: 0 }))));
    const installed = await runAlertctl(['index-template', '--install'], env);
    expect(installed).toMatchObject({ code: 0, stderr: '' });
    expect(installed.stdout).toContain(`installed index template "${alias}" for indices "${alias}-*"`);
    // --ism adds the setting ISM's rollover action reads; a cluster without the ISM plugin (this one) refuses it.
    const ism = await runAlertctl(['index-template', '--install', '--ism'], env);
    expect(ism).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown setting [index.plugins.index_state_management.rollover_alias]') });

    await rolloverStore(alias).ensureIndex();
    expect(await members(alias)).toEqual({ [`${alias}-000001`]: true });
    const settings = (await os.indices.getSettings({ index: `${alias}-000001` })).body as Record<string, { settings: { index: { number_of_shards: string } } }>;
    expect(settings[`${alias}-000001`].settings.index.number_of_shards).toBe('2'); // from the template, not the service's default
    const mapping = (await os.indices.getMapping({ index: `${alias}-000001` })).body as Record<string, { mappings: { dynamic: string } }>;
    expect(mappingMismatches(mapping[`${alias}-000001`].mappings)).toEqual([]);
    await rolloverStore(alias).ensureIndex(); // a second start finds the alias and changes nothing
    expect(await members(alias)).toEqual({ [`${alias}-000001`]: true });
  });
});

describe('a delivery across a rollover', () => {
  it('the document created before the rollover is deduplicated and updated in its own index; the new index is strict', async () => {
    const alias = newAlias();
    await installTemplate(alias);
    const store = rolloverStore(alias);
    await store.ensureIndex();
    const first = `${alias}-000001`;
    const second = `${alias}-000002`;

    const req = request(freshMessageId());
    const id = workflowIdFor(req.stream, req.messageId);
    expect(await store.createIfAbsent(req)).toEqual({ created: true, delivered: false });
    expect(await docIn(first, id)).toMatchObject({ deliveryStatus: 'pending', alertId: req.event.alertId });

    expect(await rollover(alias)).toMatchObject({ old_index: first, new_index: second, rolled_over: true });
    expect(await members(alias)).toEqual({ [first]: false, [second]: true });
    // The index the rollover made has our mapping, strictly: an unknown field is refused.
    const mapping = (await os.indices.getMapping({ index: second })).body as Record<string, { mappings: object }>;
    expect(mappingMismatches(mapping[second].mappings)).toEqual([]);
    const strict = await os.index({ index: second, id: 'probe', body: { notInTheMapping: 1 } }).catch((e: { meta: { body: { error: { type: string } } } }) => e.meta.body.error.type);
    expect(strict).toBe('strict_dynamic_mapping_exception');
    // A single-document GET through the alias is what breaks after a rollover (the store never does one).
    await expect(os.get({ index: alias, id })).rejects.toThrow(/more than one index/);

    // The message is redelivered after the rollover: its document is found, no second one is started.
    expect(await store.createIfAbsent(req)).toEqual({ created: false, delivered: false, existingStatus: 'pending' });
    expect(await docIn(second, id)).toBeUndefined();

    // The outcome is recorded in the index the document lives in.
    await store.record(id, delivered);
    expect(await docIn(first, id)).toMatchObject({ delivered: true, deliveryStatus: 'delivered' });
    expect(await docIn(second, id)).toBeUndefined();
    expect(await store.get(id)).toMatchObject({ delivered: true, alertId: req.event.alertId });

    // A final state is never notified again; a rejection of the same ID adds nothing; another alert under it is a conflict.
    expect(await store.createIfAbsent(req)).toEqual({ created: false, delivered: true, existingStatus: 'delivered' });
    await store.reject(id, req.messageId, 'bad again', ['event', '{']);
    expect(await docIn(second, id)).toBeUndefined();
    await expect(store.createIfAbsent({ ...req, event: alertEvent({ alertId: 'another-alert' }) })).rejects.toThrow(/already holds alert/);
    expect(await docIn(second, id)).toBeUndefined();

    // A delivery that starts after the rollover lives in the new index, start to end.
    const next = request(freshMessageId(1));
    const nextId = workflowIdFor(next.stream, next.messageId);
    expect(await store.createIfAbsent(next)).toEqual({ created: true, delivered: false });
    await store.record(nextId, delivered);
    expect(await docIn(second, nextId)).toMatchObject({ delivered: true });
    expect(await docIn(first, nextId)).toBeUndefined();

    // Gone everywhere: still a refusal, not a silent success; get finds nothing.
    await expect(store.record('alerts:1-0', delivered)).rejects.toMatchObject({ name: 'StoreRefusedError', status: 404, type: 'document_missing_exception' });
    expect(await store.get('alerts:1-0')).toBeUndefined();

    // Exactly one copy of each document behind the alias.
    await os.indices.refresh({ index: alias });
    const count = async (docId: string) => (await os.count({ index: alias, body: { query: { ids: { values: [docId] } } } })).body.count;
    expect(await count(id)).toBe(1);
    expect(await count(nextId)).toBe(1);

    // A restart after the rollover checks the new write index and the template of the one after it.
    await rolloverStore(alias).ensureIndex();
  });

  it('two rollovers later the document is still found and updated; a reconciler-style update too', async () => {
    const alias = newAlias();
    await installTemplate(alias);
    const store = rolloverStore(alias);
    await store.ensureIndex();
    const req = request(freshMessageId());
    const id = workflowIdFor(req.stream, req.messageId);
    await store.createIfAbsent(req);
    await rollover(alias);
    await rollover(alias);
    const restarted = rolloverStore(alias); // a worker started later: no cached view of the indices
    expect(await restarted.createIfAbsent(req)).toEqual({ created: false, delivered: false, existingStatus: 'pending' });
    await restarted.update(id, { delivered: false, deliveryStatus: 'terminated', abandonReason: 'workflow terminated' });
    expect(await docIn(`${alias}-000001`, id)).toMatchObject({ deliveryStatus: 'terminated' });
    for (const later of [`${alias}-000002`, `${alias}-000003`]) expect(await docIn(later, id)).toBeUndefined();
  });

  it('a message stamped after the write index was made costs no look-up; one stamped before it is looked up', async () => {
    const alias = newAlias();
    await installTemplate(alias);
    const store = rolloverStore(alias, { clockSkewMs: 0 });
    await store.ensureIndex();
    const before = freshMessageId();
    await new Promise((r) => setTimeout(r, 20));
    await rollover(alias);
    await new Promise((r) => setTimeout(r, 20));
    const after = freshMessageId();
    let mgets = 0;
    const mget = os.mget.bind(os);
    os.mget = ((...args: Parameters<typeof mget>) => {
      mgets++;
      return mget(...args);
    }) as typeof os.mget;
    try {
      expect(await store.createIfAbsent(request(after))).toEqual({ created: true, delivered: false });
      expect(mgets).toBe(0);
      expect(await store.createIfAbsent(request(before))).toEqual({ created: true, delivered: false });
      expect(mgets).toBe(1);
    } finally {
      os.mget = mget;
    }
  });

  it('moving an existing single index under a new write alias (README recipe): its documents are found and updated', async () => {
    const alias = newAlias();
    const legacy = `${alias}legacy`; // the index the service wrote to before (ALERT_INDEX=<legacy>)
    const old = new AlertStore(os, legacy, SETTINGS);
    await old.ensureIndex();
    const req = request(freshMessageId());
    const id = workflowIdFor(req.stream, req.messageId);
    await old.createIfAbsent(req);

    await installTemplate(alias);
    await os.indices.create({ index: `${alias}-000001`, body: { aliases: { [alias]: { is_write_index: true } } } });
    await os.indices.updateAliases({ body: { actions: [{ add: { index: legacy, alias, is_write_index: false } }] } });
    const store = rolloverStore(alias);
    await store.ensureIndex();
    expect(await store.createIfAbsent(req)).toEqual({ created: false, delivered: false, existingStatus: 'pending' });
    await store.record(id, delivered);
    expect(await docIn(legacy, id)).toMatchObject({ delivered: true });
    expect(await docIn(`${alias}-000001`, id)).toBeUndefined();
  });
});

describe('the start-up check in rollover mode', () => {
  const wrongTemplate = (alias: string, name = alias, priority = 100) => os.indices.putIndexTemplate({
    name,
    body: { index_patterns: [`${alias}-*`], priority, template: { mappings: { dynamic: 'strict', properties: { ...ALERT_MAPPING.properties, view: { type: 'text' } } } } } as never,
  });

  it('a template with a wrong mapping stops the worker before it creates an index, naming the field and the fix', async () => {
    const alias = newAlias();
    await wrongTemplate(alias);
    const env = serviceEnv({
      stream: uid('alerts'), group: 'g', index: alias, taskQueue: uid('tq'), channelsFile: writeChannelsFile({ hook: { url: 'http://127.0.0.1:9/alerts' } }),
      extra: { OPENSEARCH_INDEX_ROLLOVER: 'true' },
    });
    const proc = startProcess('worker', env);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain(`the index template that will create "${alias}-000001" (the alias "${alias}"'s next index) has fields mapped wrongly`);
    expect(proc.output()).toContain('field "view": found text, expected keyword');
    expect(proc.output()).toContain('Fix: alertctl index-template --install');
    expect((await os.indices.exists({ index: `${alias}-000001` })).body).toBe(false);

    // Installed properly, the same worker starts.
    await installTemplate(alias);
    const ok = startProcess('worker', env);
    try {
      await ok.waitForLine(/"start-up checks passed"/);
      expect(await members(alias)).toEqual({ [`${alias}-000001`]: true });
    } finally {
      await ok.kill('SIGKILL');
    }
  });

  it('no template at all: refused before anything is created', async () => {
    const alias = newAlias();
    await expect(rolloverStore(alias).ensureIndex()).rejects.toThrow(`no index template matches "${alias}-000001": rollover would create it with dynamic mapping`);
    expect((await os.indices.exists({ index: `${alias}-000001` })).body).toBe(false);
  });

  it('a template of higher priority with a wrong mapping, installed after the first start, is caught for the next index', async () => {
    const alias = newAlias();
    await installTemplate(alias);
    await rolloverStore(alias).ensureIndex();
    await wrongTemplate(alias, `${alias}-rogue`, 500);
    const err = await rolloverStore(alias).ensureIndex().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MappingMismatchError);
    expect((err as Error).message).toContain(`the index template that will create "${alias}-000002"`);
    expect((err as Error).message).toContain('field "view": found text, expected keyword');
  });

  it('a write index made from a wrong template is refused with the roll-over fix', async () => {
    const alias = newAlias();
    await wrongTemplate(alias);
    await os.indices.create({ index: `${alias}-000001`, body: { aliases: { [alias]: { is_write_index: true } } } });
    await installTemplate(alias); // the template is right now; the write index is not
    const err = await rolloverStore(alias).ensureIndex().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MappingMismatchError);
    expect((err as Error).message).toContain(`index "${alias}-000001" has fields mapped wrongly`);
    expect((err as Error).message).toContain(`POST /${alias}/_rollover`);
    await rollover(alias);
    await rolloverStore(alias).ensureIndex(); // the fix works
  });

  it('ALERT_INDEX that is an index in rollover mode, or an alias in single-index mode, is refused with the setting to change', async () => {
    const alias = newAlias();
    await new AlertStore(os, alias, SETTINGS).ensureIndex(); // a plain index of that name
    const asIndex = await rolloverStore(alias).ensureIndex().catch((e: unknown) => e);
    expect(asIndex).toBeInstanceOf(StartupCheckError);
    expect((asIndex as Error).message).toContain(`ALERT_INDEX "${alias}" is an index, but OPENSEARCH_INDEX_ROLLOVER=true`);

    const other = newAlias();
    await installTemplate(other);
    await rolloverStore(other).ensureIndex();
    const asAlias = await new AlertStore(os, other, SETTINGS).ensureIndex().catch((e: unknown) => e);
    expect(asAlias).toBeInstanceOf(StartupCheckError);
    expect((asAlias as Error).message).toContain(`ALERT_INDEX "${other}" is an alias, not an index`);
    expect((asAlias as Error).message).toContain('set OPENSEARCH_INDEX_ROLLOVER=true');
  });

  it('an alias over several indices without a write index is refused', async () => {
    const alias = newAlias();
    await installTemplate(alias);
    await os.indices.create({ index: `${alias}-000001`, body: { aliases: { [alias]: {} } } });
    await os.indices.create({ index: `${alias}-000002`, body: { aliases: { [alias]: {} } } });
    await expect(rolloverStore(alias).ensureIndex()).rejects.toThrow(`the alias "${alias}" (${alias}-000001, ${alias}-000002) has no write index`);
  });
});

describe('end to end: the worker and the ingest in rollover mode', () => {
  const p = new Pipeline();
  let deliver = false;
  beforeAll(async () => {
    await p.start();
    p.receiver.behaviour = () => ({ status: deliver ? 200 : 503 });
    aliases.push(p.index);
    await installIndexTemplate(p.os, p.index, indexTemplate(p.index, SETTINGS));
  });
  afterAll(() => p.stop());

  it('an alert pending across a rollover is recorded delivered in the index it was created in', async () => {
    await p.worker({ OPENSEARCH_INDEX_ROLLOVER: 'true' });
    await p.ingest({ OPENSEARCH_INDEX_ROLLOVER: 'true' });
    const first = `${p.index}-000001`;
    const second = `${p.index}-000002`;
    const id = await p.publish(alertEvent());
    await p.waitFor('the pending document', async () => (await docIn(first, p.key(id)))?.deliveryStatus === 'pending');
    await p.receiver.waitFor(() => p.receiver.posts.length > 0, 30_000); // the receiver is refusing it (503)
    expect(await rollover(p.index)).toMatchObject({ new_index: second, rolled_over: true });
    deliver = true;
    await p.receiver.waitFor(() => p.receiver.deliveredKeys().has(p.key(id)), 60_000);
    await p.waitFor('recorded as delivered', async () => (await docIn(first, p.key(id)))?.delivered === true);
    expect(await docIn(second, p.key(id))).toBeUndefined();

    const later = await p.publish(alertEvent());
    await p.waitFor('the later alert recorded', async () => (await docIn(second, p.key(later)))?.delivered === true);
    expect(await docIn(first, p.key(later))).toBeUndefined();
  });
});
