// An on-call schedule's iCal layer (`- ical: { file: … }`): the calendar file, relative to the on-call file, read
// and imported by src/schedules/ (ical.js; recurrences expanded around the time of loading, see defaultIcalWindow:
// the directory reloads daily to move the window). Every event must name a person ID of the on-call file.
// Problems name the layer's path, the file and the event's UID; a name an event gives is shown unless it looks
// like an address.
import path from 'node:path';
import { defaultIcalWindow, icalLayer, IcalImportError, knownPeople } from '../schedules/ical-import';
import type { IcalLayer } from '../schedules/types';

/** Where a file's iCal layers come from, and what they were read as (for the file's version). */
export interface IcalSource {
  /** The on-call file's directory: layers' files are relative to it. */
  dir: string;
  /** The person IDs events may name. */
  people: Readonly<Record<string, unknown>>;
  readFile: (file: string) => string;
  /** Recurrences are expanded around this instant (epoch ms). */
  now: number;
  /** Floating times and all-day dates are read in this zone (the schedule's). */
  timeZone?: string;
  /** The texts read, in order (appended). */
  texts: string[];
  /** The absolute paths read, in order (appended): watched for changes. */
  files: string[];
}

const EMPTY: IcalLayer = { kind: 'ical', events: [], window: { from: 0, to: 0 } };

/** A name as a problem may show it: not when it looks like an address. */
const shown = (name: string) => (/[@:/]/.test(name) ? '(a name that looks like an address)' : `"${name.slice(0, 100)}"`);

/** The layer of `file` (as written in the on-call file); a problem is pushed (and an empty layer returned) when it cannot be read or imported. */
export function readIcalLayer(file: string, at: string, source: IcalSource, problems: string[]): IcalLayer {
  const absolute = path.resolve(source.dir, file);
  let text: string;
  try {
    text = source.readFile(absolute);
  } catch (e) {
    problems.push(`${at}: cannot read ${absolute} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return EMPTY;
  }
  source.texts.push(text);
  source.files.push(absolute);
  let layer: IcalLayer;
  try {
    layer = icalLayer(text, { ...defaultIcalWindow(source.now), ...(source.timeZone ? { timeZone: source.timeZone } : {}) });
  } catch (e) {
    if (!(e instanceof IcalImportError)) throw e;
    problems.push(`${at}: ${file}: ${e.message}`);
    return EMPTY;
  }
  const { unknown } = knownPeople(layer, Object.keys(source.people));
  for (const name of unknown) {
    const uids = [...new Set(layer.events.filter((e) => e.person === name).map((e) => e.uid))];
    problems.push(`${at}: ${file}: event ${uids.slice(0, 3).join(', ')}${uids.length > 3 ? ', …' : ''} names ${shown(name)}, not a person ID of this file`);
  }
  return layer;
}
