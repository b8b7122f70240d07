// The chaos run's report on the terminal: faults and recovery, figures, checks (the result file has all of it).
import path from 'node:path';
import { table } from '../harness';

interface Recovery {
  kind: string; atS: number | null; backS: number | null; resumedS: number | null; newAlertS: number | null;
  slowestAfterS: number | null; target: string | null; error: string | null;
}
interface Figures {
  published: number; entries: number; documents: number; delivered: number; parkedFailed: number; resent: number; lost: number;
  receiverDistinctOkKeys: number; receiverRawPosts: number; receiverStatuses: Record<string, number>;
  keysPostedMoreThanOnce: number; keysAnswered2xxMoreThanOnce: number; maxPostsPerKey: number; meanPostsPerKey: number;
  xpending: number; workflows: number; processRestarts: { worker: number; ingest: number };
  unexpectedExits: { worker: number; ingest: number }; publishSeconds: number; settleSeconds: number | null; totalSeconds: number;
}

export function printReport(result: { ok: boolean; recovery: Recovery[]; figures: Figures | null; checks: { name: string; ok: boolean; detail: string }[] }, file: string): void {
  const { ok, recovery, checks } = result;
  process.stdout.write('\nFaults and recovery (seconds from the fault; back = component restarted and answering,\nresumed = first 2xx after it was back, new alert = first 2xx of an alert published after the fault)\n');
  process.stdout.write(
    table(['#', 'fault', 'at s', 'back s', 'resumed s', 'new alert s', 'slowest after s', 'target', 'error'],
      recovery.map((r, i) => [i + 1, r.kind, r.atS, r.backS, r.resumedS, r.newAlertS, r.slowestAfterS, r.target, r.error])) + '\n',
  );
  if (result.figures) {
    const g = result.figures;
    process.stdout.write('\nFigures\n');
    process.stdout.write(
      table(['figure', 'value'], [
        ['alerts published (XADD acknowledged)', g.published],
        ['stream entries', g.entries],
        ['OpenSearch documents', g.documents],
        ['delivered (OpenSearch)', g.delivered],
        ['parked failed', g.parkedFailed],
        ['entries sent twice by the producer, recorded duplicate (the twin delivered)', g.resent],
        ['lost', g.lost],
        ['receiver: distinct 2xx keys', g.receiverDistinctOkKeys],
        ['receiver: raw POSTs', g.receiverRawPosts],
        ['receiver: statuses', JSON.stringify(g.receiverStatuses)],
        ['receiver: keys POSTed more than once', g.keysPostedMoreThanOnce],
        ['receiver: keys answered 2xx more than once (repeats to drop by key)', g.keysAnswered2xxMoreThanOnce],
        ['receiver: max / mean POSTs per key', `${g.maxPostsPerKey} / ${g.meanPostsPerKey}`],
        ['XPENDING', g.xpending],
        ['workflows (one per alert)', g.workflows],
        ['process restarts (worker / ingest)', `${g.processRestarts.worker} / ${g.processRestarts.ingest}`],
        ['unexpected exits (worker / ingest)', `${g.unexpectedExits.worker} / ${g.unexpectedExits.ingest}`],
        ['publishing / settling / total s', `${g.publishSeconds} / ${g.settleSeconds ?? '-'} / ${g.totalSeconds}`],
      ]) + '\n',
    );
  }
  process.stdout.write('\nChecks\n');
  process.stdout.write(table(['check', 'result', 'detail'], checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail])) + '\n');
  process.stdout.write(`\n${ok ? 'PASSED' : 'FAILED'} — result: ${path.relative(process.cwd(), file)} (+ chaos-latest.json)\n`);
}
