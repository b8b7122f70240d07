// GroupMembers, the group workflow's member bookkeeping (deterministic code, run here directly): which joins count
// once, by the patch a run started under, and across continue-as-new.
import type { GroupMember } from '../src/contracts/group';
import { GroupMembers } from '../src/workflows/group-members';

let n = 0;
function member(): GroupMember {
  n++;
  return { alertId: `a-${n}`, deliveryId: `alerts:${n}-0`, workflowId: `alerts:${n}-0`, status: 'firing', severity: 'high', title: `disk full #${n}`, ruleName: 'DiskFull', firedAt: new Date(0).toISOString() };
}
const carryOf = (g: GroupMembers) => g.carry({ sequence: 1, nextCheckAt: 0, lastNotifiedAt: 0 });

it('a run under the patch remembers a batch when it is taken: a join repeated while it is sent counts once', () => {
  const g = new GroupMembers();
  g.rememberWhenTaken = true;
  const m = member();
  g.join(m, 0);
  expect(g.takeBatch(false)).toEqual([expect.objectContaining({ deliveryId: m.deliveryId })]);
  g.join(m, 1);
  expect(g.pending).toEqual([]);
});

it('a run started before the patch keeps its old behaviour (its history replays): remembered once delivered', () => {
  const g = new GroupMembers();
  const m = member();
  g.join(m, 0);
  const batch = g.takeBatch(false)!;
  g.join(m, 1);
  expect(g.pending.map((x) => x.deliveryId)).toEqual([m.deliveryId]);
  g.carried({ sequence: 1, members: batch, notice: undefined as never, firstTriedAt: 0 });
  g.join(m, 2);
  expect(g.pending).toHaveLength(1);
});

it('the latest 1,000 members taken are carried into the next run: a join repeated right after continue-as-new counts once', () => {
  const g = new GroupMembers();
  g.rememberWhenTaken = true;
  const all = Array.from({ length: 1_200 }, member);
  for (const m of all) g.join(m, 0);
  g.takeBatch(false);
  const carried = carryOf(g);
  expect(carried.recent).toHaveLength(1_000);
  const next = new GroupMembers(carried);
  next.rememberWhenTaken = true;
  next.join(all[1_199], 1); // among the latest: recognised
  expect(next.pending).toEqual([]);
  next.join(all[0], 1); // older than the carried window: joins again (its alert is firing already, so the count stays)
  expect(next.pending).toHaveLength(1);
  expect(next.firingCount).toBe(1_200);
});
