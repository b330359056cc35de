/**
 * /moderate/:token — the signed links of a moderator alert. GET only shows a confirmation page (mail scanners follow
 * links; they must not decide anything); the form POSTs to the same address, and the action goes through the moderation
 * use case (audited as "mail-link", Akismet feedback as usual).
 */
import { Router, type Response } from 'express';
import type { ModerationService } from '../../comments/moderation-service.js';
import type { Comment } from '../../domain/comment.js';
import { AppError } from '../../domain/errors.js';
import { verifyModerationLink } from '../../notify/moderation-link.js';
import { html, type Html } from '../html.js';
import { plainPage } from '../plain-page.js';

const page = (res: Response, status: number, title: string, body: Html) => plainPage(res, status, title, body);

const WORDS = { approve: 'Approve', spam: 'Mark as spam' } as const;

export function moderationLinkRoutes(deps: { moderation: ModerationService; getComment: (id: string) => Promise<Comment | undefined>; secret: string; clock: () => Date }): Router {
  const router = Router();
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
    const c = await deps.getComment(v.commentId);
    if (!c || c.status !== 'pending') {
      page(res, 409, 'Already decided', html`<p>This comment is no longer waiting for a decision.</p>`);
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
    // Only a comment still held: a used link, or one someone else decided meanwhile, never overrides a decision.
    const c = await deps.getComment(v.commentId);
    if (!c || c.status !== 'pending') {
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
