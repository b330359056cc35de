/**
 * The spam pipeline: an ordered list of small checks. A definitive verdict (spam, discard) ends it at once.
 * A hold does not: later checks still run, so Akismet can still send a held comment to the spam queue
 * instead of leaving it for a moderator, while its ham never overrides a local hold.
 */
import type { SpamCheckState } from '../domain/comment.js';

export interface SpamInput {
  threadKey: string;
  threadUrl: string | null;
  isReply: boolean;
  author: { name: string; email: string; website: string | null };
  body: string;
  context: { ip: string | null; userAgent: string | null; referrer: string | null };
  /** The submitted form's token and honeypot; null for an author's edit, which has no form (those checks then pass). */
  form: { token: string | undefined; honeypot: string | undefined } | null;
  /** Akismet's `recheck_reason` (e.g. `edit`) when a comment already checked once is sent again. */
  recheckReason?: string;
  now: Date;
}

export type Verdict =
  /** Stored, hidden, in the moderators' spam queue. */
  | { kind: 'spam'; reason: string }
  /** Refused outright (Akismet's "discard": blatant spam not worth a moderator's look). */
  | { kind: 'discard'; reason: string }
  /** Held for a moderator. */
  | { kind: 'hold'; reason: string }
  /** A spam service's definitive "not spam". */
  | { kind: 'ham'; reason: string }
  /** The spam service could not decide: held and re-checked later. */
  | { kind: 'unchecked'; reason: string };

export type SpamCheck = (input: SpamInput) => Promise<Verdict | undefined>;

export interface NamedCheck {
  name: string;
  run: SpamCheck;
}

export interface PipelineResult {
  outcome: 'spam' | 'discard' | 'hold' | 'pass';
  spamCheck: SpamCheckState;
  reasons: string[];
}

export interface PipelineObserver {
  onVerdict(check: string, result: Verdict['kind'] | 'none', seconds: number): void;
}

export type SpamPipeline = (input: SpamInput) => Promise<PipelineResult>;

export function createPipeline(checks: readonly NamedCheck[], observer?: PipelineObserver): SpamPipeline {
  return async (input) => {
    const reasons: string[] = [];
    let held = false;
    let spamCheck: SpamCheckState = 'none';
    for (const check of checks) {
      const started = process.hrtime.bigint();
      const verdict = await check.run(input);
      observer?.onVerdict(check.name, verdict?.kind ?? 'none', Number(process.hrtime.bigint() - started) / 1e9);
      if (!verdict) continue;
      reasons.push(verdict.reason);
      switch (verdict.kind) {
        case 'spam':
        case 'discard':
          return { outcome: verdict.kind, spamCheck: spamCheck === 'unchecked' ? 'unchecked' : 'checked', reasons };
        case 'hold':
          held = true;
          break;
        case 'ham':
          spamCheck = 'checked';
          break;
        case 'unchecked':
          spamCheck = 'unchecked';
          held = true;
          break;
      }
    }
    return { outcome: held ? 'hold' : 'pass', spamCheck, reasons };
  };
}
