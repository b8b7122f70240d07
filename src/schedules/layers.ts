// One layer at one instant: at most one person (a rotation's slot inside its restriction windows, or the calendar
// event in force), and the next instant that may change it.
import { restrictionAt } from './restrictions';
import { handOff, rotationSlotAt } from './rotation';
import type { IcalLayer, Layer, RotationLayer } from './types';

/** A layer's answer at an instant: `person` (null: nobody) holds until `until` (Infinity: for ever). */
export interface LayerState {
  person: string | null;
  until: number;
}

/** The person `layer` has at `at` in the schedule's `zone`. */
export function layerAt(layer: Layer, zone: string, at: number): LayerState {
  return layer.kind === 'rotation' ? rotationAt(layer, zone, at) : icalAt(layer, at);
}

function rotationAt(layer: RotationLayer, zone: string, at: number): LayerState {
  const slot = rotationSlotAt(layer, zone, at);
  if (!slot) {
    const never = layer.participants.length === 0;
    return { person: null, until: never ? Infinity : handOff(layer, zone, 0) };
  }
  const window = restrictionAt(layer.restrictions, zone, at);
  return { person: window.inside ? slot.person : null, until: Math.min(slot.end, window.until) };
}

/**
 * The calendar event in force at `at`. Overlapping events: the one that started last holds the layer (a cover booked
 * inside a longer shift takes over for its span); same start: the one ending last; then the import's order.
 */
function icalAt(layer: IcalLayer, at: number): LayerState {
  const events = layer.events;
  const next = firstStartingAfter(layer, at);
  let person: string | null = null;
  let until = next < events.length ? events[next].start : Infinity;
  for (let i = 0; i < next; i++) {
    const e = events[i];
    if (e.end > at) {
      person = e.person;
      until = Math.min(until, e.end);
    }
  }
  return { person, until };
}

/** Index of the first event starting after `at` (events are sorted by start). */
function firstStartingAfter(layer: IcalLayer, at: number): number {
  let lo = 0;
  let hi = layer.events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (layer.events[mid].start <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
