/** When an unchecked comment is sent to the spam service again: about 1, 5 and 20 minutes, then hourly, for 24 hours. */
import type { RecheckState } from '../domain/comment.js';

const MINUTE = 60_000;
const STEPS_MS = [1 * MINUTE, 5 * MINUTE, 20 * MINUTE];
const HOURLY_MS = 60 * MINUTE;
/** After this, the comment stays pending and unchecked for a human. */
export const RECHECK_HORIZON_MS = 24 * 60 * MINUTE;

export function firstRecheck(now: Date): RecheckState {
  return { attempts: 0, nextAt: new Date(now.getTime() + STEPS_MS[0]!) };
}

/** The schedule after one more failed try, or null once the 24-hour horizon is past. */
export function nextRecheck(createdAt: Date, attemptsSoFar: number, now: Date): RecheckState | null {
  const attempts = attemptsSoFar + 1;
  const delay = STEPS_MS[attempts] ?? HOURLY_MS;
  const nextAt = new Date(now.getTime() + delay);
  if (nextAt.getTime() - createdAt.getTime() > RECHECK_HORIZON_MS) return null;
  return { attempts, nextAt };
}
