/**
 * Signed form tokens: the widget fetches one with the thread; it carries its issue time and is bound to the thread.
 * A post sooner than the minimum time after issue, an expired token, or a forged one is held for a moderator.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NamedCheck } from './pipeline.js';

export type FormTokenState = 'ok' | 'missing' | 'invalid' | 'too_fast' | 'expired';

export interface FormTokenPolicy {
  secret: string;
  minSubmitSeconds: number;
  maxAgeHours: number;
}

function sign(secret: string, threadKey: string, issuedAt: number): string {
  return createHmac('sha256', secret).update(`form-token:v1:${issuedAt}:${threadKey}`).digest('base64url').slice(0, 32);
}

export function issueFormToken(secret: string, threadKey: string, now: Date): string {
  const t = now.getTime();
  return `v1.${t.toString(36)}.${sign(secret, threadKey, t)}`;
}

export function verifyFormToken(token: string | undefined, threadKey: string, now: Date, policy: FormTokenPolicy): FormTokenState {
  if (token === undefined || token === '') return 'missing';
  const m = /^v1\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return 'invalid';
  const issuedAt = parseInt(m[1]!, 36);
  const expected = Buffer.from(sign(policy.secret, threadKey, issuedAt));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  const age = now.getTime() - issuedAt;
  // A token from the future was not issued by this clock.
  if (age < -60_000) return 'invalid';
  if (age < policy.minSubmitSeconds * 1000) return 'too_fast';
  if (age > policy.maxAgeHours * 3_600_000) return 'expired';
  return 'ok';
}

const HOLD_REASON: Record<Exclude<FormTokenState, 'ok'>, string> = {
  missing: 'no_form_token',
  invalid: 'form_token_invalid',
  too_fast: 'submitted_too_fast',
  expired: 'form_token_expired',
};

export function formTokenCheck(policy: FormTokenPolicy): NamedCheck {
  return {
    name: 'form_token',
    run: async ({ form, threadKey, now }) => {
      if (form === null) return undefined;
      const state = verifyFormToken(form.token, threadKey, now, policy);
      return state === 'ok' ? undefined : { kind: 'hold', reason: HOLD_REASON[state] };
    },
  };
}
