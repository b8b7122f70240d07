// iCal in and out, in one import: icalLayer (ical-import.ts, ical.js) and the feeds (ical-export.ts, ical-generator).
export { IcalImportError, MAX_OCCURRENCES_PER_EVENT, defaultIcalWindow, icalLayer, knownPeople, type IcalImportOptions } from './ical-import';
export { personCalendar, scheduleCalendar, shiftUid, type FeedOptions } from './ical-export';
