/** The admin API's JSON shapes: what moderators need, including private fields the public never sees. */
import type { Comment, CommentStatus } from '../../domain/comment.js';
import type { BanKind } from '../../domain/ban.js';
import { renderBody } from '../../domain/markup.js';
import type { AuditEntry, Ban } from '../../domain/moderation.js';
import type { StatusCounts, ThreadRecord } from '../../storage/storage.js';
import type { Subscriber, Subscription } from '../../storage/subscriptions-port.js';
import { reasonText } from './reasons.js';

/** What a reply answers: enough to read it in context without opening the thread. */
export interface AdminParent {
  id: string;
  author: string;
  /** The start of the parent's text (Markdown source, whitespace collapsed), at most EXCERPT_CHARS characters. */
  excerpt: string;
  status: CommentStatus;
}

const EXCERPT_CHARS = 200;

export function toAdminParent(p: Comment): AdminParent {
  const text = p.body.replace(/\s+/g, ' ').trim();
  const excerpt = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1).trimEnd()}…` : text;
  return { id: p.id, author: p.author.name, excerpt: p.status === 'deleted' ? '' : excerpt, status: p.status };
}

export interface AdminComment {
  id: string;
  threadKey: string;
  threadUrl: string | null;
  parentId: string | null;
  /** The comment this one answers (null for a top-level comment, or when the parent no longer exists). */
  parent: AdminParent | null;
  status: CommentStatus;
  /** `moderator`: a moderator's reply from the admin page (`name` is their token's label). */
  author: { name: string; email: string; website: string | null; avatar: string; moderator: boolean };
  /** Until erased by retention. */
  ip: string | null;
  userAgent: string | null;
  referrer: string | null;
  body: string;
  /** The server's sanitised HTML: the only form of the text the moderation page renders. */
  html: string;
  createdAt: string;
  editedAt: string | null;
  /** `reasons` are stable codes; `reasonText` says the same in words, one entry per code. */
  spam: { check: Comment['spamCheck']; reasons: string[]; reasonText: string[]; nextRecheckAt: string | null };
  history: { body: string; editedAt: string; by: 'author' | 'moderator' }[];
  /** The text before the latest edit (null if never edited), so a held edit can be read beside what it replaced. */
  previousBody: string | null;
  /** `previousBody` as the server's sanitised HTML. */
  previousHtml: string | null;
}

export function toAdminComment(c: Comment, threadUrl: string | null, parent: Comment | null = null): AdminComment {
  const previous = c.history.at(-1);
  return {
    id: c.id,
    threadKey: c.threadKey,
    threadUrl,
    parentId: c.parentId,
    parent: parent ? toAdminParent(parent) : null,
    status: c.status,
    author: { name: c.author.name, email: c.author.email, website: c.author.website, avatar: c.author.avatar, moderator: c.author.moderator === true },
    ip: c.context.ip,
    userAgent: c.context.userAgent,
    referrer: c.context.referrer,
    body: c.body,
    html: c.html,
    createdAt: c.createdAt.toISOString(),
    editedAt: c.editedAt ? c.editedAt.toISOString() : null,
    spam: { check: c.spamCheck, reasons: [...c.spamReasons], reasonText: c.spamReasons.map((r) => reasonText(r, c.html)), nextRecheckAt: c.recheck ? c.recheck.nextAt.toISOString() : null },
    history: c.history.map((h) => ({ body: h.body, editedAt: h.editedAt.toISOString(), by: h.by })),
    previousBody: previous?.body ?? null,
    previousHtml: previous ? renderBody(previous.body) : null,
  };
}

export interface AdminQueueResponse {
  comments: AdminComment[];
  counts: StatusCounts;
  nextCursor: string | null;
}

export interface AdminThread {
  key: string;
  url: string | null;
  locked: boolean;
  createdAt: string;
  lastCommentAt: string | null;
  counts?: StatusCounts;
}

export function toAdminThread(t: ThreadRecord & { counts?: StatusCounts }): AdminThread {
  return {
    key: t.key,
    url: t.url,
    locked: t.locked,
    createdAt: t.createdAt.toISOString(),
    lastCommentAt: t.lastCommentAt ? t.lastCommentAt.toISOString() : null,
    ...(t.counts ? { counts: t.counts } : {}),
  };
}

export interface AdminAuditEntry {
  id: string;
  actor: string;
  action: string;
  commentId: string | null;
  threadKey: string | null;
  from: CommentStatus | null;
  to: CommentStatus | null;
  reason: string | null;
  at: string;
}

export function toAdminAudit(e: AuditEntry): AdminAuditEntry {
  return { id: e.id, actor: e.actor, action: e.action, commentId: e.commentId, threadKey: e.threadKey, from: e.from, to: e.to, reason: e.reason, at: e.at.toISOString() };
}

/** A ban as moderators see it: no address or domain (none is stored), no hash (nothing to gain from showing it). */
export interface AdminBan {
  id: string;
  kind: BanKind;
  /** The prefix an IP ban covers, e.g. 64 for an IPv6 address; null for other kinds. */
  prefix: number | null;
  reason: string | null;
  createdAt: string;
  expiresAt: string | null;
  actor: string;
}

export function toAdminBan(b: Ban): AdminBan {
  return { id: b.id, kind: b.kind, prefix: b.prefix, reason: b.reason, createdAt: b.createdAt.toISOString(), expiresAt: b.expiresAt ? b.expiresAt.toISOString() : null, actor: b.actor };
}

/** A person's reply notifications in their GDPR export: the address's opt-in and the comments it follows. */
export interface AdminSubscriptions {
  /** Null when the address never asked for reply mails (or unsubscribed from everything). */
  address: { email: string; lang: string; askedAt: string; confirmedAt: string | null } | null;
  follows: { commentId: string; threadKey: string; lang: string; since: string }[];
}

export function toAdminSubscriptions(subscriber: Subscriber | null, subscriptions: readonly Subscription[]): AdminSubscriptions {
  return {
    address: subscriber
      ? { email: subscriber.email, lang: subscriber.lang, askedAt: subscriber.createdAt.toISOString(), confirmedAt: subscriber.confirmedAt?.toISOString() ?? null }
      : null,
    follows: subscriptions.map((s) => ({ commentId: s.commentId, threadKey: s.threadKey, lang: s.lang, since: s.createdAt.toISOString() })),
  };
}
