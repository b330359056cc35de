/** /api/v1 readers' endpoints. */
import { Router } from 'express';
import type { Request } from 'express';
import type { CommentService, RequestContext } from '../../comments/comment-service.js';
import { HONEYPOT_FIELD } from '../../domain/comment.js';
import { NO_CACHE_HEADERS, type CacheHeaders } from './cache-control.js';
import { renderBody } from '../../domain/markup.js';
import { commenterOf } from './commenter-auth.js';
import {
  AWAITING_MODERATION,
  publicStatus,
  toPublicComment,
  toThreadResponse,
  type CountsResponse,
  type EditCommentResponse,
  type FormTokenResponse,
  type OwnCommentsResponse,
  type PostCommentResponse,
  type PreviewResponse,
} from './dto.js';
import {
  bearerToken,
  parseCounts,
  parseEditComment,
  parseListThread,
  parseOwnComments,
  parsePostComment,
  parsePostCommentSignedIn,
  parsePreview,
  parseThreadSelector,
} from './validation.js';

/** The commenter's context for spam checks; shared with the no-JavaScript form (site routes). */
export function requestContext(req: Request): RequestContext {
  return {
    ip: req.ip ?? null,
    userAgent: req.get('user-agent')?.slice(0, 512) ?? null,
    referrer: req.get('referer')?.slice(0, 2048) ?? null,
  };
}

/** cacheHeaders: of the public reads (http/readers/cache-control.ts); no-cache unless given. */
/** signIn: what the form-token answer tells the widget about signing in (absent: guests only, as before). */
export function publicRoutes(service: CommentService, cacheHeaders: CacheHeaders = NO_CACHE_HEADERS, signIn?: FormTokenResponse['signIn']): Router {
  const router = Router();

  router.get('/threads', async (req, res) => {
    const view = await service.listThread(parseListThread(req.query));
    for (const [name, value] of cacheHeaders) res.setHeader(name, value);
    res.json(toThreadResponse(view));
  });

  router.get('/counts', async (req, res) => {
    const body: CountsResponse = { counts: await service.countThreads(parseCounts(req.query)) };
    for (const [name, value] of cacheHeaders) res.setHeader(name, value);
    res.json(body);
  });

  router.get('/form-token', async (req, res) => {
    const issued = service.issueFormToken(parseThreadSelector(req.query));
    const body: FormTokenResponse = {
      token: issued.token,
      minSubmitSeconds: issued.minSubmitSeconds,
      expiresAt: issued.expiresAt.toISOString(),
      honeypotField: HONEYPOT_FIELD,
      editWindowMinutes: issued.editWindowMinutes,
      notifyReplies: issued.notifyReplies,
      ...(signIn ? { signIn } : {}),
    };
    res.set('Cache-Control', 'no-store').json(body);
  });

  router.post('/comments', async (req, res) => {
    const commenter = commenterOf(req);
    const input = commenter ? { ...parsePostCommentSignedIn(req.body), commenter } : parsePostComment(req.body);
    const { comment, editToken, commenterToken } = await service.postComment(input, requestContext(req));
    const status = publicStatus(comment.status);
    const body: PostCommentResponse = {
      comment: toPublicComment(comment),
      status,
      ...(status === 'pending' ? { message: AWAITING_MODERATION } : {}),
      editToken,
      ...(commenterToken ? { commenterToken } : {}),
    };
    res.status(201).set('Cache-Control', 'no-store').json(body);
  });

  // POST, not GET: edit tokens must not travel in URLs (logs, referrers).
  router.post('/comments/mine', async (req, res) => {
    const own = await service.listOwn(parseOwnComments(req.body));
    const body: OwnCommentsResponse = {
      comments: await Promise.all(
        own.map(async (c) => {
          const commenterToken = await service.trustTokenFor(c);
          return { ...toPublicComment(c), status: publicStatus(c.status), ...(commenterToken ? { commenterToken } : {}) };
        }),
      ),
    };
    res.set('Cache-Control', 'no-store').json(body);
  });

  // The widget's Preview: the comment pipeline's own renderer, so what is shown is what would be published.
  router.post('/preview', (req, res) => {
    const body: PreviewResponse = { html: renderBody(parsePreview(req.body).body) };
    res.set('Cache-Control', 'no-store').json(body);
  });

  router.patch('/comments/:id', async (req, res) => {
    const { body } = parseEditComment(req.body);
    const updated = await service.editOwn(req.params.id, bearerToken(req.get('authorization')), body, requestContext(req));
    const status = publicStatus(updated.status);
    const response: EditCommentResponse = {
      comment: toPublicComment(updated),
      status,
      ...(status === 'pending' ? { message: AWAITING_MODERATION } : {}),
    };
    res.set('Cache-Control', 'no-store').json(response);
  });

  router.delete('/comments/:id', async (req, res) => {
    await service.deleteOwn(req.params.id, bearerToken(req.get('authorization')));
    res.status(204).end();
  });

  return router;
}
