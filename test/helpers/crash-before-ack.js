// A fault the crash test injects from its side (test/crash.test.ts), with nothing in the product for it: loaded
// into the ingest by NODE_OPTIONS=--require, this kills the process (SIGKILL) the moment it first acks stream
// entries, that is after their workflows were started and before the XACK reaches Redis.
const Commander = require('ioredis/built/utils/Commander').default;

Commander.prototype.xack = function crashInsteadOfAck() {
  process.kill(process.pid, 'SIGKILL');
  return new Promise(() => undefined);
};
