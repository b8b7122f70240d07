// An experiment, not shipped: preloaded into the bench's service processes (and so into the SDK's workflow thread,
// which inherits the preload) with NODE_OPTIONS="--require ./bench/experiments/no-vm-timeout.js", it drops the
// `timeout` option of every call into a vm context. The Temporal SDK passes one (isolateExecutionTimeout, 5 s) on
// each call into the workflow sandbox, and Node starts a watchdog thread for each such call (nodejs/node#47739):
// measured here 130 µs per call with it, 2.6 µs without. What it costs per delivered alert, side by side with the
// same bench without it: docs/benchmarks.md ("Where an alert's CPU goes"). Without the timeout a workflow that never
// yields blocks its thread instead of failing its task: not something to run in production as it is.
const vm = require('node:vm');

const withoutTimeout = (o) => {
  if (!o || typeof o !== 'object' || !('timeout' in o)) return o;
  const { timeout: _timeout, ...rest } = o;
  return rest;
};
const runScript = vm.Script.prototype.runInContext;
vm.Script.prototype.runInContext = function runInContext(context, options) {
  return runScript.call(this, context, withoutTimeout(options));
};
const runCode = vm.runInContext;
vm.runInContext = (code, context, options) => runCode(code, context, withoutTimeout(options));
