// Whom an escalation level pages besides channels (docs/oncall.md): `{ schedule: <id> }`, `{ person: <id> }` or
// `{ team: <id> }`, IDs of the on-call file (ONCALL_FILE). The channels file checks their form only; whether they
// exist is checked against the on-call file when both are loaded (src/oncall/cross-check.ts).
import { z } from 'zod';
import type { PageTarget } from '../contracts/oncall';

/** The IDs of the on-call file (people, contacts, schedules, teams): letters, digits and . _ - (at most 128). */
export const ONCALL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const ONCALL_ID_MESSAGE = 'IDs: letters, digits and . _ - only (at most 128)';

/** An on-call ID (person, contact, schedule or team). */
export const oncallId = z.string().regex(ONCALL_ID, ONCALL_ID_MESSAGE);

/** One PageTarget: exactly one of `schedule`, `person`, `team`. */
export const pageTargetSchema = z
  .object({ schedule: oncallId.optional(), person: oncallId.optional(), team: oncallId.optional() })
  .strict()
  .transform((t, ctx): PageTarget => {
    const given = (['schedule', 'person', 'team'] as const).filter((k) => t[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a target names one of \`schedule\`, \`person\` or \`team\`${given.length ? `, not ${given.join(' and ')}` : ''}` });
      return z.NEVER;
    }
    const k = given[0];
    return { [k]: t[k]! } as PageTarget;
  });
