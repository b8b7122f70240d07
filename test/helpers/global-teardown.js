// Runs once after all suites: removes the workflow bundle global-setup.js wrote.
const fs = require('node:fs');
const path = require('node:path');

module.exports = async () => {
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  if (bundle) fs.rmSync(path.dirname(bundle), { recursive: true, force: true });
};
