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

it('plans each paged person through the first contact that reached them, if they are still in the on-call file', async () => {
  const deliveries = [
    { channel: 'chat', status: 'delivered' }, { channel: 'alice:chat:1', status: 'failed' }, { channel: 'alice:mail:2', status: 'delivered' },
    { channel: 'alice:push:3', status: 'delivered' }, { channel: 'bob:mail:1', status: 'delivered' }, { channel: 'nobody:schedule:primary', status: 'failed' },
  ];
  const store = { get: () => Promise.resolve({ deliveries }) };
  const contacts: Record<string, { via: string; address: string }> = { 'alice:mail': { via: 'pager', address: 'https://example.test/alice' } }; // bob: gone
  const oncall = { contactOf: (person: string, contact: string) => contacts[`${person}:${contact}`] };
  const deps = { store, channels: new ChannelRegistry(file), oncall } as unknown as ActivityDeps;
  const plans = await createPersistActivities(deps).planResolved('alerts:1-0');
  expect(plans.map((p) => [p.name, p.type, p.required, p.reaches])).toEqual([
    ['chat', 'webhook', true, undefined],
    ['alice:mail', 'webhook', false, { person: 'alice', contact: 'mail', via: 'pager' }],
  ]);
  expect(JSON.stringify(plans)).not.toContain('example.test'); // a plan goes into history: no address
});
