// Fail loud: a wrongly mapped index, a missing search attribute, an unreachable dependency or a bad
// setting stops the process at start-up with a message that names the problem.
import { Connection } from '@temporalio/client';
import Long from 'long';
import { serviceEnv, startProcess, writeChannelsFile } from './helpers/processes';
import { TEMPORAL_CONNECTION, cleanup, opensearch, uid } from './helpers/stack';

jest.setTimeout(60_000);

function names() {
  return { stream: uid('alerts'), group: 'g', index: uid('alerts'), taskQueue: uid('tq'), channelsFile: writeChannelsFile({ hook: { url: 'http://127.0.0.1:9/alerts' } }) };
}

async function expectExit(role: 'worker' | 'ingest', env: Record<string, string>, message: RegExp): Promise<string> {
  const proc = startProcess(role, env);
  const code = await proc.exited;
  expect(code).toBe(1);
  expect(proc.output()).toMatch(message);
  return proc.output();
}

describe('fail loud at start-up', () => {
  it('an index with `view` mapped as analyzed text stops the worker, naming the field, found and expected type', async () => {
    const os = opensearch();
    const n = names();
    try {
      // What auto-creation would have done: strings as text (with a .keyword sub-field).
      await os.indices.create({
        index: n.index,
        body: { mappings: { properties: { view: { type: 'text', fields: { keyword: { type: 'keyword' } } }, scope: { type: 'text' } } } } as never,
      });
      const out = await expectExit('worker', serviceEnv(n), /field "view": found text, expected keyword/);
      expect(out).toMatch(/field "scope": found text, expected keyword/);
      expect(out).toMatch(/index ".*" has fields mapped wrongly/);
      await expectExit('ingest', serviceEnv(n), /field "view": found text, expected keyword/);
    } finally {
      await cleanup(undefined, os, [], [n.index]);
      await os.close();
    }
  });

  it('a namespace without the search attributes stops the worker, naming each one', async () => {
    const namespace = uid('ns');
    const connection = await Connection.connect(TEMPORAL_CONNECTION);
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
      const env = serviceEnv({ ...names(), extra: { TEMPORAL_NAMESPACE: namespace } });
      const out = await expectExit('worker', env, /search attribute AlertDeliveryStatus is missing/);
      expect(out).toMatch(/AlertFailedChannels is missing \(expected KEYWORD_LIST\)/);
    } finally {
      await connection.close();
    }
  });

  it('an unreachable Redis stops the process after the bounded wait', async () => {
    const env = serviceEnv({ ...names(), extra: { REDIS_URL: 'redis://127.0.0.1:1', STARTUP_TIMEOUT: '1s' } });
    await expectExit('ingest', env, /Redis: not reachable after 1s/);
  });

  it('an unreachable OpenSearch stops the process after the bounded wait', async () => {
    const env = serviceEnv({ ...names(), extra: { OPENSEARCH_URL: 'http://127.0.0.1:1', STARTUP_TIMEOUT: '1s' } });
    await expectExit('worker', env, /OpenSearch: not reachable after 1s/);
  });

  it('bad settings are all named at once', async () => {
    const env = serviceEnv({ ...names(), extra: { INGEST_BATCH_SIZE: '0', REDIS_URL: 'localhost', INGEST_BLOCK: 'forever' } });
    const out = await expectExit('ingest', env, /Invalid configuration/);
    expect(out).toMatch(/INGEST_BATCH_SIZE/);
    expect(out).toMatch(/REDIS_URL/);
    expect(out).toMatch(/INGEST_BLOCK/);
  });

  it('a broken channels file names the file and the path in it', async () => {
    const env = serviceEnv({ ...names(), extra: { CHANNELS_FILE: writeChannelsFile({ hook: { url: 'not a url' } }) } });
    await expectExit('worker', env, /channels file .*channels\.yaml[\s\S]*channels\.hook\.url/);
  });
});
