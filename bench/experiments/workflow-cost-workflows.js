// Workflows of the workflow-cost experiment (bundled by the SDK at run time).
const { patched, proxyActivities, proxyLocalActivities } = require('@temporalio/workflow');

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

module.exports = { empty, fourActivities, fourLocalActivities, localLocalRemoteLocal, localLocalRemoteLocalPatched };
