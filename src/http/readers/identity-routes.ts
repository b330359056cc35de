/**
 * Signed-in commenters' endpoints under /api/v1: trade the host site's signed payload for a session, sign out (revoke
 * it), and "my comments" (list, export, delete) across the site. Never returns an email. commenterSession (commenter-auth.ts) runs before /me.
 */
import { Router } from 'express';
import type { CommentService } from '../../comments/comment-service.js';
import type { Comment } from '../../domain/comment.js';
import type { Commenter } from '../../domain/commenter.js';
import { AppError } from '../../domain/errors.js';
import type { CommenterSessions } from '../../identity/commenter-session.js';
import type { ThreadRecord } from '../../storage/storage.js';
import { requireCommenter } from './commenter-auth.js';
import { publicStatus, toPublicComment, type MyComment, type MyCommentsExport, type MyCommentsResponse, type PublicCommenter, type SessionResponse } from './dto.js';
import { bearerToken, parseMyComments, parseSsoSession } from './validation.js';

export interface IdentityRoutesDeps {
  service: CommentService;
  sessions: CommenterSessions;
  /** Null when SSO_SECRET is unset: POST /sso/session answers 404 sign_in_unavailable. */
  verifySso: ((token: unknown) => Promise<Commenter>) | null;
  getThread: (key: string) => Promise<ThreadRecord | undefined>;
  clock: () => Date;
}

export function publicCommenter(c: Commenter): PublicCommenter {
  return { name: c.name, provider: c.provider, badge: c.badge, avatarUrl: c.avatarUrl };
}

export async function sessionResponse(sessions: CommenterSessions, c: Commenter): Promise<SessionResponse> {
  const { token, expiresAt } = await sessions.seal(c);
  return { session: token, expiresAt: expiresAt.toISOString(), commenter: publicCommenter(c) };
}

export function identityRoutes({ service, sessions, verifySso, getThread, clock }: IdentityRoutesDeps): Router {
  const router = Router();

  /** The comments with their thread's public URL: one thread read per distinct thread of the page. */
  async function withThreads(comments: Comment[]): Promise<MyComment[]> {
    const keys = [...new Set(comments.map((c) => c.threadKey))];
    const threads = new Map(await Promise.all(keys.map(async (k) => [k, (await getThread(k))?.url ?? null] as const)));
    return comments.map((c) => ({ ...toPublicComment(c), status: publicStatus(c.status), threadKey: c.threadKey, url: threads.get(c.threadKey) ?? null }));
  }

  router.post('/sso/session', async (req, res) => {
    if (!verifySso) throw new AppError('sign_in_unavailable', 'Sign-in by the site is not set up on this server.');
    const commenter = await verifySso(parseSsoSession(req.body));
    res.set('Cache-Control', 'no-store').json(await sessionResponse(sessions, commenter));
  });

  router.get('/me', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ commenter: publicCommenter(requireCommenter(req)) });
  });

  // Signing out: the session is refused from now on, by every instance (commenterSession opened it just before).
  router.delete('/me/session', async (req, res) => {
    requireCommenter(req);
    await sessions.revoke(bearerToken(req.get('authorization')));
    res.status(204).end();
  });

  router.get('/me/comments', async (req, res) => {
    const commenter = requireCommenter(req);
    const { cursor, limit } = parseMyComments(req.query);
    const page = await service.listMine(commenter, cursor, limit);
    const body: MyCommentsResponse = { comments: await withThreads(page.comments), nextCursor: page.nextCursor };
    res.set('Cache-Control', 'no-store').json(body);
  });

  router.get('/me/comments/export', async (req, res) => {
    const commenter = requireCommenter(req);
    const all = await service.exportMine(commenter);
    const listed = await withThreads(all);
    const body: MyCommentsExport = {
      exportedAt: clock().toISOString(),
      commenter: publicCommenter(commenter),
      comments: listed.map((c, i) => ({ ...c, body: all[i]!.body })),
    };
    res.set('Cache-Control', 'no-store').attachment('parley-my-comments.json').json(body);
  });

  router.delete('/me/comments/:id', async (req, res) => {
    await service.deleteMine(requireCommenter(req), req.params.id);
    res.status(204).end();
  });

  return router;
}
