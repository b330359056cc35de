/**
 * Re-checks comments held as "unchecked" (the spam service was unreachable, slow, or answered nonsense) on the
 * backoff of comments/recheck-schedule.ts. A definitive answer moves the comment on without a human; after 24 hours
 * it stays pending for a moderator. Every move is compare-and-set on `pending`, so a moderator's decision wins.
 */
import { isReasonNote, TRUSTED_SIGN_IN, type Comment, type CommentStatus } from '../domain/comment.js';
import type { Storage } from '../storage/storage.js';
import { nextRecheck } from '../comments/recheck-schedule.js';
import { spamInputOfStored } from '../spam/akismet-check.js';
import type { NamedCheck } from '../spam/pipeline.js';
import type { Logger } from '../logger.js';
import type { ReadCacheInvalidator } from '../cache/read-cache.js';
import { statusNotification, type Notifier } from '../notify/notifier.js';

export interface RecheckDeps {
  storage: Storage;
  check: NamedCheck;
  clock: () => Date;
  /** The moderation mode's decision for a comment the spam service has now cleared. */
  publishOrHold: (comment: Comment) => Promise<{ status: CommentStatus; reason?: string }>;
  logger: Logger;
  /** Told when a re-check publishes or removes a comment. */
  cache?: ReadCacheInvalidator;
  /** Told when a re-check approves or marks spam (webhooks). */
  notifier?: Notifier;
  batchSize?: number;
}

export interface RecheckReport {
  due: number;
  approved: number;
  held: number;
  spam: number;
  retried: number;
  gaveUp: number;
}

/** Reasons written by the spam service itself, and notes; anything else is a local hold that its "ham" must not lift. */
const isServiceReason = (r: string) => r.startsWith('akismet_') || isReasonNote(r);

export function createRecheckJob(deps: RecheckDeps) {
  const { storage, check, clock, publishOrHold, logger } = deps;

  async function recheckOne(c: Comment, report: RecheckReport): Promise<void> {
    const thread = c.threadKey.startsWith('http') ? { url: c.threadKey } : await storage.getThread(c.threadKey);
    // An author's edit is re-checked as one, so Akismet knows the text changed after its first look.
    const edited = c.history.some((h) => h.by === 'author');
    const verdict = await check.run({ ...spamInputOfStored(c, thread?.url ?? null), ...(edited ? { recheckReason: 'edit' } : {}) });
    const local = c.spamReasons.filter((r) => !isServiceReason(r));
    // Notes are kept while the comment waits (publishOrHold reads them); the trusted sign-in stays a fact after too.
    const notes = c.spamReasons.filter(isReasonNote);
    const trusted = notes.filter((r) => r === TRUSTED_SIGN_IN);
    const now = clock();
    if (verdict?.kind === 'ham') {
      const decided = local.length > 0 ? { status: 'pending' as const } : await publishOrHold(c);
      const reasons = [...local, ...trusted, verdict.reason, ...(decided.reason ? [decided.reason] : [])];
      const notification = statusNotification(deps.notifier, c, decided.status, now);
      const moved = await storage.updateComment(c.id, { status: decided.status, spamCheck: 'checked', spamReasons: reasons, recheck: null }, { ifStatus: 'pending', ...notification.options });
      await deps.cache?.invalidate([c.threadKey]);
      await notification.done(moved);
      if (decided.status === 'approved') report.approved += 1;
      else report.held += 1;
    } else if (verdict?.kind === 'spam' || verdict?.kind === 'discard') {
      const notification = statusNotification(deps.notifier, c, 'spam', now);
      const moved = await storage.updateComment(
        c.id,
        { status: 'spam', spamCheck: 'checked', spamReasons: [...local, ...trusted, verdict.reason], recheck: null },
        { ifStatus: 'pending', ...notification.options },
      );
      await deps.cache?.invalidate([c.threadKey]);
      await notification.done(moved);
      report.spam += 1;
    } else {
      const next = nextRecheck(c.createdAt, c.recheck?.attempts ?? 0, now);
      const reasons = [...local, ...notes, verdict?.reason ?? 'akismet_no_answer', ...(next ? [] : ['recheck_gave_up'])];
      await storage.updateComment(c.id, { recheck: next, spamReasons: reasons }, { ifStatus: 'pending' });
      if (next) report.retried += 1;
      else report.gaveUp += 1;
    }
  }

  return {
    name: 'spam-recheck',
    /** One pass over the due comments; safe to call at any time (tests call it directly). */
    async runOnce(): Promise<RecheckReport> {
      const due = await storage.listDueRechecks({ now: clock(), limit: deps.batchSize ?? 50 });
      const report: RecheckReport = { due: due.length, approved: 0, held: 0, spam: 0, retried: 0, gaveUp: 0 };
      for (const c of due) {
        try {
          await recheckOne(c, report);
        } catch (err) {
          logger.error({ err, commentId: c.id }, 'spam re-check failed');
        }
      }
      if (due.length > 0) logger.info({ ...report }, 'spam re-check pass');
      return report;
    },
  };
}
