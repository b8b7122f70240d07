// Workflows of the workflow-cost experiment (bundled by the SDK at run time).
const { patched, proxyActivities, proxyLocalActivities, upsertSearchAttributes } = require('@temporalio/workflow');

const act = proxyActivities({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities({ startToCloseTimeout: '30s' });

/** 1 workflow task, no activity. */
async function empty() {
  return 1;
}

/** The shape of deliverAlert: 4 activities in a row (persist, ack, notify, record) = 5 workflow tasks. */
async function fourActivities() {
  for (let i = 0; i < 4; i++) await act.noop();
  return 1;
}

/** The same 4 steps as local activities: they run inside the workflow task (1–2 workflow tasks). */
async function fourLocalActivities() {
  for (let i = 0; i < 4; i++) await local.noop();
  return 1;
}

/** deliverAlert since local bookkeeping: persist + ack local, notify a regular activity, record local (2 workflow tasks). */
async function localLocalRemoteLocal() {
  await local.noop();
  await local.noop();
  await act.noop();
  await local.noop();
  return 1;
}

/** The same behind a patch: patched() records a marker and upserts TemporalChangeVersion (a visibility write). */
async function localLocalRemoteLocalPatched() {
  patched('local-bookkeeping');
  return localLocalRemoteLocal();
}

/** The one-task delivery: persist, notify's first attempt and record as local activities, one status upsert. */
async function threeLocalOneUpsert() {
  for (let i = 0; i < 3; i++) await local.noop();
  upsertSearchAttributes({ AlertDeliveryStatus: ['delivered'] });
  return 1;
}

/** One local activity doing all three steps, one status upsert (the fewest activations a delivery can take). */
async function oneLocalOneUpsert() {
  await local.noop();
  upsertSearchAttributes({ AlertDeliveryStatus: ['delivered'] });
  return 1;
}

/** The same without the upsert (what the status search attribute costs). */
async function threeLocal() {
  for (let i = 0; i < 3; i++) await local.noop();
  return 1;
}

/** The same behind one patch (its marker and TemporalChangeVersion upsert). */
async function threeLocalOneUpsertPatched() {
  patched('one-task-delivery');
  return threeLocalOneUpsert();
}

/** Today's happy path with the lifecycle: 2 patches, 2 upserts (state firing, then status), 4 local + 1 regular. */
async function today() {
  patched('local-bookkeeping');
  await local.noop();
  await local.noop();
  patched('incident-lifecycle');
  upsertSearchAttributes({ AlertState: ['firing'] });
  await act.noop();
  upsertSearchAttributes({ AlertDeliveryStatus: ['delivered'], AlertFailedChannels: [] });
  await local.noop();
  return 1;
}

module.exports = { empty, oneLocalOneUpsert, fourActivities, fourLocalActivities, localLocalRemoteLocal, localLocalRemoteLocalPatched, threeLocal, threeLocalOneUpsert, threeLocalOneUpsertPatched, today };
