// A schedule's own problems, each with its path, for the on-call file's loader; the file's shift notation.
import { onCallAt, parseShiftLength, scheduleProblems } from '../../src/schedules';
import { at, rotation, schedule } from './fixtures';

test('parseShiftLength: s, m, h are elapsed units, d, w calendar ones; anything else is refused', () => {
  expect(parseShiftLength('5s')).toEqual({ amount: 5, unit: 'seconds' });
  expect(parseShiftLength('12h')).toEqual({ amount: 12, unit: 'hours' });
  expect(parseShiftLength(' 1w ')).toEqual({ amount: 1, unit: 'weeks' });
  expect(parseShiftLength('2d')).toEqual({ amount: 2, unit: 'days' });
  expect(parseShiftLength('90m')).toEqual({ amount: 90, unit: 'minutes' });
  for (const bad of ['0d', '1.5h', '1y', 'w', '-1d', '1 week']) expect(parseShiftLength(bad)).toBeUndefined();
});

test('scheduleProblems names every problem with its path', () => {
  const bad = {
    ...schedule('Mars/Olympus', rotation([], '2026-02-30T09:00', 0, 'days', [{ days: ['mon', 'funday' as 'mon'], from: '24:00', to: '9:00' }])),
  };
  expect(scheduleProblems(bad)).toEqual([
    { path: 'time_zone', message: 'unknown IANA time zone "Mars/Olympus"' },
    { path: 'layers[0].participants', message: 'no participants' },
    { path: 'layers[0].start', message: '"2026-02-30T09:00" is not a local date-time YYYY-MM-DDTHH:mm' },
    { path: 'layers[0].shift', message: 'not a positive whole number of seconds, minutes, hours, days or weeks' },
    { path: 'layers[0].restrictions[0].from', message: '"24:00" is not HH:mm' },
    { path: 'layers[0].restrictions[0].to', message: '"9:00" is not HH:mm' },
    { path: 'layers[0].restrictions[0].days', message: 'unknown day(s) funday (mon … sun)' },
  ]);
  expect(scheduleProblems(schedule('Europe/Berlin', rotation(['a'], '2026-02-28T09:00:30', 1, 'days')))).toEqual([]);
});

test('onCallAt refuses what scheduleProblems reports instead of answering wrongly', () => {
  expect(() => onCallAt(schedule('Mars/Olympus', rotation(['a'], '2026-01-01T00:00', 1, 'days')), at('2026-06-01T00:00:00Z'), []))
    .toThrow('schedule primary: unknown time zone "Mars/Olympus"');
  expect(() => onCallAt(schedule('UTC', rotation(['a'], '2026-01-01T00:00', 1.5, 'days')), at('2026-06-01T00:00:00Z'), []))
    .toThrow(/shift 1.5 days is not a positive whole number/);
  expect(() => onCallAt(schedule('UTC', rotation(['a'], '2026-01-01', 1, 'days')), at('2026-06-01T00:00:00Z'), []))
    .toThrow(/rotation start "2026-01-01" is not a local date-time/);
});
