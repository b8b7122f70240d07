// Every status a document can hold, judged by the persist step that finds it (src/store/found-document.ts): the
// same run's own progress resumes (a retried first task), another run's end ends the new delivery.
import { STATUS_KINDS, onFoundDocument, statusKind } from '../src/store/found-document';

const ALL = Object.keys(STATUS_KINDS);

it('knows every status, each as open, hold or final', () => {
  expect(Object.entries(STATUS_KINDS).filter(([, k]) => k === 'open').map(([s]) => s).sort()).toEqual(['failed', 'pending']);
  expect(Object.entries(STATUS_KINDS).filter(([, k]) => k === 'hold').map(([s]) => s).sort()).toEqual(['inhibited', 'silenced']);
  expect(Object.entries(STATUS_KINDS).filter(([, k]) => k === 'final').map(([s]) => s).sort())
    .toEqual(['abandoned', 'delivered', 'duplicate', 'forwarded', 'grouped', 'rejected', 'terminated', 'unmatched']);
  expect(statusKind('something-new')).toBe('final'); // never re-notified
});

it('no document: deliver', () => {
  expect(onFoundDocument(undefined, 'run-1')).toEqual({ action: 'deliver' });
});

describe.each(ALL)('a document that says %s', (status) => {
  it('written by this run (its lost first task): resume, unless the persist step itself rejected it', () => {
    expect(onFoundDocument({ status, runId: 'run-1' }, 'run-1')).toEqual(status === 'rejected' ? { action: 'end', as: 'rejected' } : { action: 'resume' });
  });

  it('written by another run (closed: the stream was replayed): end as it ended, unless it never got past persist', () => {
    const verdict = status === 'pending' ? { action: 'deliver' } : { action: 'end', as: status };
    expect(onFoundDocument({ status, runId: 'run-0' }, 'run-1')).toEqual(verdict);
    expect(onFoundDocument({ status }, 'run-1')).toEqual(verdict); // a document written without its run: another run's
  });
});
