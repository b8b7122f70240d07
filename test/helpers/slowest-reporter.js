// A jest reporter that prints, at the end of every run, the slowest test files and their times (where a warm
// `scripts/test` spends its minutes). SLOWEST_SUITES sets how many (default 12); with SLOWEST_SUITES_FILE set, the
// list is also written there (scripts/test prints it again at the very end of its run).
class SlowestSuitesReporter {
  onRunComplete(_contexts, results) {
    const n = Number(process.env.SLOWEST_SUITES ?? 12);
    const suites = results.testResults
      .map((r) => ({ file: require('node:path').relative(process.cwd(), r.testFilePath), s: (r.perfStats.end - r.perfStats.start) / 1000, failed: r.numFailingTests > 0 || Boolean(r.testExecError) }))
      .sort((a, b) => b.s - a.s);
    const total = suites.reduce((sum, x) => sum + x.s, 0);
    const wall = (Date.now() - results.startTime) / 1000;
    const lines = suites.slice(0, n).map((x) => `  ${x.s.toFixed(1).padStart(6)} s  ${x.file}${x.failed ? '  (failed)' : ''}`);
    const report = `[jest] slowest ${Math.min(n, suites.length)} of ${suites.length} test files (${total.toFixed(0)} s of suite time in ${wall.toFixed(0)} s wall clock):\n${lines.join('\n')}\n`;
    process.stderr.write(`\n${report}`);
    if (process.env.SLOWEST_SUITES_FILE) require('node:fs').writeFileSync(process.env.SLOWEST_SUITES_FILE, report);
  }
}
module.exports = SlowestSuitesReporter;
