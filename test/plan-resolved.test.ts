// planResolved: the resolved notifications of a closed firing delivery go to the channels it reached — not to the
// results under derived names (a repeat at a later level, a person's contact), which are no channels of the file.
import { createPersistActivities } from '../src/activities/persist';
import type { ActivityDeps } from '../src/activities';
import { parseChannelsFile } from '../src/channels/config';
import { ChannelRegistry } from '../src/channels/registry';

const file = parseChannelsFile([
  'channels:',
  '  chat: { type: webhook, url: "http://127.0.0.1:9/chat" }',
  '  pager: { type: webhook, url: "http://127.0.0.1:9/pager" }',
  'routes:', '  - channels: [chat]', '',
].join('\n'), 'channels.yaml', {});

it("plans the firing delivery's delivered channels only: no level repeat, no person's contact, nothing failed", async () => {
  const deliveries = [
    { channel: 'chat', status: 'delivered' }, { channel: 'pager', status: 'failed' },
    { channel: 'chat:level-2', status: 'delivered' }, { channel: 'alice:mail:1', status: 'delivered' },
  ];
  const store = { get: () => Promise.resolve({ deliveries }) };
  const deps = { store, channels: new ChannelRegistry(file) } as unknown as ActivityDeps;
  const plans = await createPersistActivities(deps).planResolved('alerts:1-0');
  expect(plans.map((p) => [p.name, p.type])).toEqual([['chat', 'webhook']]);
});
