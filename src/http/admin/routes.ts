/**
 * /api/v1/admin: the moderators' API. Same-origin only (no CORS), rate limited upstream. Bearer tokens (automation) or
 * a moderator account's session cookie (auth.ts); bans, a person's data (GDPR), webhooks and accounts are for admins.
 */
import cookieParser from 'cookie-parser';
import express, { Router, type Response } from 'express';
import type { ModerationService } from '../../comments/moderation-service.js';
import { encodeCursor } from '../../comments/comment-service.js';
import type { Comment } from '../../domain/comment.js';
import { adminAuth, identityOf, requireAdmin, type LabelledToken } from './auth.js';
import type { ModeratorAccounts } from '../../moderators/moderator-accounts.js';
import type { ModeratorSessions } from '../../moderators/moderator-sessions.js';
import type { Logger } from '../../logger.js';
import type { SignInLimiters } from '../rate-limit.js';
import { moderatorRoutes } from './moderator-routes.js';
import { sessionRoutes, signInRoutes } from './session-routes.js';
import {
  toAdminAudit,
  toAdminBan,
  toAdminComment,
  toAdminSubscriptions,
  toAdminThread,
  type AdminQueueResponse,
} from './dto.js';
import { adminSchemas as S, parseAction, parseAdmin, parseCursor } from './validation.js';
import { limitBodyDepth, requireBodyType } from '../middleware.js';
import { BODY_LIMIT } from '../create-http-app.js';

const actorOf = (res: Response) => String(res.locals.actor);

export interface AdminAccess {
  tokens: readonly LabelledToken[];
  accounts: ModeratorAccounts;
  sessions: ModeratorSessions;
  logger: Logger;
  publicUrl: string | null;
  signInLimiters?: SignInLimiters;
  /** False while there is neither a token nor an account: the API then answers 404, as when it was off. */
  enabled: () => Promise<boolean>;
}

/** Mounted only for admins: a moderator account of role `moderator` gets 403 role_required there. */
export const ADMIN_ONLY_PATHS = ['/bans', '/authors', '/webhooks', '/moderators'];

export function adminRoutes(moderation: ModerationService, access: AdminAccess, more?: (router: Router) => void): Router {
  const router = Router();
  router.use(async (_req, _res, next) => next((await access.enabled()) ? undefined : 'router'));
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(cookieParser());
  router.use(signInRoutes({ ...access, limiters: access.signInLimiters }));
  router.use(adminAuth(access));
  router.use(ADMIN_ONLY_PATHS, requireAdmin());
  router.use(requireBodyType());
  router.use(express.json({ limit: BODY_LIMIT, strict: true }));
  router.use(limitBodyDepth());

  const withUrls = async (comments: Comment[]) => {
    const parents = await moderation.parentsOf(comments);
    return Promise.all(comments.map(async (c) => toAdminComment(c, await moderation.threadUrlOf(c), (c.parentId && parents.get(c.parentId)) || null)));
  };
  const one = async (c: Comment) => (await withUrls([c]))[0]!;

  router.get('/comments', async (req, res) => {
    const q = parseAdmin(S.queueQuery, req.query);
    const page = await moderation.queue({
      statuses: [q.status],
      url: q.url,
      threadId: q.threadId,
      search: q.q,
      cursor: parseCursor(q.cursor),
      limit: q.limit,
    });
    const body: AdminQueueResponse = {
      comments: await withUrls(page.comments),
      counts: page.counts,
      nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
    };
    res.json(body);
  });

  router.post('/comments/bulk', async (req, res) => {
    const b = parseAdmin(S.bulkBody, req.body);
    res.json({ results: await moderation.bulk(actorOf(res), b.ids, b.action, b.reason ?? null) });
  });

  // Before /comments/:id/:action, which would read "reply" as an unknown action.
  router.post('/comments/:id/reply', async (req, res) => {
    const b = parseAdmin(S.replyBody, req.body);
    const c = await moderation.reply(actorOf(res), req.params.id, b.body, identityOf(res).displayName);
    res.status(201).json({ comment: await one(c) });
  });

  router.post('/comments/:id/:action', async (req, res) => {
    const action = parseAction(req.params.action);
    const b = parseAdmin(S.actionBody, req.body);
    const c = await moderation.act(actorOf(res), req.params.id, action, b.reason ?? null);
    res.json({ comment: await one(c) });
  });

  router.patch('/comments/:id', async (req, res) => {
    const b = parseAdmin(S.editBody, req.body);
    const c = await moderation.edit(actorOf(res), req.params.id, b.body, b.reason ?? null);
    res.json({ comment: await one(c) });
  });

  router.put('/threads', async (req, res) => {
    const selector = parseAdmin(S.threadQuery, req.query);
    const b = parseAdmin(S.lockBody, req.body);
    const thread = await moderation.lockThread(actorOf(res), selector, b.locked, b.reason ?? null);
    res.json({ thread: toAdminThread(thread) });
  });

  router.get('/threads', async (req, res) => {
    const q = parseAdmin(S.threadsQuery, req.query);
    const page = await moderation.listThreads(q.cursor ?? null, q.limit);
    res.json({ threads: page.threads.map(toAdminThread), nextCursor: page.nextCursor });
  });

  router.post('/bans', async (req, res) => {
    const b = parseAdmin(S.banBody, req.body);
    const ban = await moderation.ban(actorOf(res), {
      email: b.email,
      ip: b.ip,
      domain: b.domain,
      reason: b.reason ?? null,
      expiresAt: b.expiresAt ? new Date(b.expiresAt) : null,
    });
    res.status(201).json({ ban: toAdminBan(ban) });
  });

  router.get('/bans', async (_req, res) => {
    res.json({ bans: (await moderation.listBans()).map(toAdminBan) });
  });

  router.delete('/bans/:id', async (req, res) => {
    await moderation.unban(actorOf(res), req.params.id);
    res.status(204).end();
  });

  router.get('/audit', async (req, res) => {
    const q = parseAdmin(S.auditQuery, req.query);
    const page = await moderation.audit({ commentId: q.commentId, cursor: parseCursor(q.cursor), limit: q.limit });
    res.json({ entries: page.entries.map(toAdminAudit), nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null });
  });

  router.get('/authors/export', async (req, res) => {
    const q = parseAdmin(S.exportQuery, req.query);
    const { comments, subscriber, subscriptions } = await moderation.exportAuthor(actorOf(res), q.email);
    res.set('Content-Disposition', 'attachment; filename="parley-author-export.json"');
    res.json({ exportedAt: new Date().toISOString(), comments: await withUrls(comments), replyNotifications: toAdminSubscriptions(subscriber, subscriptions) });
  });

  router.post('/authors/erase', async (req, res) => {
    const b = parseAdmin(S.eraseBody, req.body);
    res.json({ erased: await moderation.eraseAuthor(actorOf(res), b.email, b.mode) });
  });
  sessionRoutes(router, access);
  moderatorRoutes(router, access.accounts);
  more?.(router);

  return router;
}
