import type { z } from 'zod';

/** One line per zod issue. zod reports a bad record key as "Invalid key in record" and nests the reason: show that. */
export function issueMessage(i: z.core.$ZodIssue): string {
  if (i.code === 'invalid_key' && i.issues.length) return i.issues.map((n) => n.message).join('; ');
  return i.message;
}
