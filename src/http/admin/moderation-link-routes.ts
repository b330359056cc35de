/**
 * /moderate/:token — the signed links of a moderator alert. GET only shows a confirmation page (mail scanners follow
 * links; they must not decide anything); the form POSTs to the same address, and the action goes through the moderation
 * use case (audited as "mail-link", Akismet feedback as usual).
 */
import { Router, type Response } from 'express';
import type { ModerationService } from '../../comments/moderation-service.js';
import type { Comment } from '../../domain/comment.js';
import { AppError } from '../../domain/errors.js';
import { heldState, verifyModerationLink } from '../../notify/moderation-link.js';
import type { ModerationPort } from '../../storage/moderation-port.js';
import { html, type Html } from '../html.js';
import { plainPage } from '../plain-page.js';

const page = (res: Response, status: number, title: string, body: Html) => plainPage(res, status, title, body);

const WORDS = { approve: 'Approve', spam: 'Mark as spam' } as const;

export function moderationLinkRoutes(deps: {
  moderation: ModerationService;
  getComment: (id: string) => Promise<Comment | undefined>;
  audit: Pick<ModerationPort, 'listAudit'>;
  secret: string;
  clock: () => Date;
}): Router {
  const router = Router();
  /** The comment while it is still held as the link's mail showed it; undefined once decided, edited or re-queued. */
  const stillHeld = async (v: { commentId: string; state: string }): Promise<Comment | undefined> => {
    const c = await deps.getComment(v.commentId);
    return c && c.status === 'pending' && (await heldState(deps.audit, c)) === v.state ? c : undefined;
  };
  const check = (res: Response, token: string) => {
    const v = verifyModerationLink(deps.secret, token, deps.clock());
    if (!v.ok) {
      if (v.reason === 'expired') page(res, 410, 'This link has expired', html`<p>Decide on the moderation page instead.</p>`);
      else page(res, 400, 'This link is not valid', html`<p>Decide on the moderation page instead.</p>`);
      return null;
    }
    return v;
  };

  router.get('/moderate/:token', async (req, res) => {
    const v = check(res, req.params.token);
    if (!v) return;
    const c = await stillHeld(v);
    if (!c) {
      page(res, 409, 'Already decided', html`<p>This comment is no longer waiting for this decision. If it was held again, a newer alert has its links.</p>`);
      return;
    }
    page(
      res,
      200,
      `${WORDS[v.action]}?`,
      html`<p>${c.author.name} wrote:</p><blockquote>${c.body}</blockquote><form method="post"><button type="submit">${WORDS[v.action]}</button></form>`,
    );
  });

  router.post('/moderate/:token', async (req, res) => {
    const v = check(res, req.params.token);
    if (!v) return;
    // Only a comment still held as the mail showed it: a used link, one someone else decided meanwhile, or one of an
    // earlier hold of a comment held again, never overrides a decision.
    if (!(await stillHeld(v))) {
      page(res, 409, 'Already decided', html`<p>This link was used already, or someone decided meanwhile.</p>`);
      return;
    }
    try {
      await deps.moderation.act('mail-link', v.commentId, v.action, 'from the moderator alert');
    } catch (err) {
      if (err instanceof AppError && (err.code === 'conflict' || err.code === 'comment_not_found')) {
        page(res, 409, 'Already decided', html`<p>This link was used already, or someone decided meanwhile.</p>`);
        return;
      }
      throw err;
    }
    page(res, 200, v.action === 'approve' ? 'Approved' : 'Marked as spam', html`<p>Done. It is in the audit log.</p>`);
  });
  return router;
}
