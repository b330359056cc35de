/**
 * `export json` / `import json`: the whole store as JSON lines — a header, then every thread (by key), every comment
 * (by id), every ban (by id), every audit entry (newest first), every moderator account (by id), every reply
 * subscriber and every reply subscription (by id), each with every field, dates as ISO strings. Fields are written in
 * a fixed order, so exporting, importing into an empty store and exporting again gives the same bytes, whatever the
 * adapter. Only the fields named here are written: a marker a comment carries on its way through the service (not
 * part of what it is) never reaches the file.
 *
 * The audit log is part of the store a moderator answers for (who approved, banned, erased what): a move between
 * stores keeps it, and so do the moderator accounts (their password hashes: they sign in as before; their sessions
 * are not exported, so everyone signs in again) and readers' reply subscriptions (confirmed or not, so nobody is
 * asked to confirm twice or silently dropped). The outbox is not exported: it holds deliveries in flight (webhook
 * calls, mails about events that already happened) whose bodies carry names and texts and are pruned; replaying them
 * from another store would notify twice, and imports send no notifications.
 *
 * Nothing in the file is trusted to be safe: a comment's html is rendered again from its body through the same
 * pipeline as a new comment (a file edited by hand cannot inject markup), websites and avatar keys must have the
 * shape the service writes, and accounts the shape the accounts service writes (email, name, role, scrypt hash).
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { COMMENT_STATUSES, type Comment } from '../domain/comment.js';
import { BAN_KINDS } from '../domain/ban.js';
import { renderBody } from '../domain/markup.js';
import { ACCOUNT_AUDIT_ACTIONS, MODERATION_ACTIONS, type AuditAction, type AuditEntry, type Ban } from '../domain/moderation.js';
import { MODERATOR_ROLES, moderatorFieldProblems, normalizeModeratorEmail, type Moderator } from '../domain/moderator.js';
import { isPasswordHash } from '../moderators/password.js';
import { MODERATOR_LANGS } from '../notify/mail-lang.js';
import type { AuditPage, PageCursor, Storage, ThreadRecord } from '../storage/storage.js';
import type { Subscriber, Subscription } from '../storage/subscriptions-port.js';
import type { TransferPage } from '../storage/transfer-port.js';
import { CommentBatch } from './comment-batch.js';
import { cleanWebsite } from './imported-comment.js';
import { ImportReport } from './import-report.js';
import { safeAvatarUrl } from '../domain/commenter.js';

export const EXPORT_FORMAT = 'parley-export';
/** 2 added the audit log, 3 moderator accounts and reply subscriptions; files of versions 1 and 2 still import. */
export const EXPORT_VERSION = 3;
const READABLE_VERSIONS: readonly unknown[] = [1, 2, 3];
const PAGE = 500;

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function threadLine(t: ThreadRecord): string {
  return JSON.stringify({ type: 'thread', key: t.key, url: t.url, createdAt: iso(t.createdAt), locked: t.locked, lastCommentAt: iso(t.lastCommentAt) });
}

export function commentLine(c: Comment): string {
  return JSON.stringify({
    type: 'comment',
    id: c.id,
    threadKey: c.threadKey,
    parentId: c.parentId,
    // Only a reply MAX_DEPTH stored under a shallower ancestor carries the comment it answered.
    ...(c.replyTo ? { replyTo: c.replyTo } : {}),
    rootId: c.rootId,
    depth: c.depth,
    status: c.status,
    author: {
      name: c.author.name,
      email: c.author.email,
      emailKey: c.author.emailKey,
      website: c.author.website,
      avatar: c.author.avatar,
      // Only moderators' replies carry the mark, so older exports stay byte-identical.
      ...(c.author.moderator ? { moderator: true as const } : {}),
      // Likewise only signed-in commenters' comments carry their identity.
      ...(c.author.identity ? { identity: { key: c.author.identity.key, badge: c.author.identity.badge, avatarUrl: c.author.identity.avatarUrl } } : {}),
    },
    body: c.body,
    html: c.html,
    createdAt: iso(c.createdAt),
    editedAt: iso(c.editedAt),
    editTokenHash: c.editTokenHash,
    context: { ip: c.context.ip, userAgent: c.context.userAgent, referrer: c.context.referrer },
    spamCheck: c.spamCheck,
    spamReasons: c.spamReasons,
    recheck: c.recheck ? { attempts: c.recheck.attempts, nextAt: iso(c.recheck.nextAt) } : null,
    history: c.history.map((h) => ({ body: h.body, editedAt: iso(h.editedAt), by: h.by })),
  });
}

export function banLine(b: Ban): string {
  return JSON.stringify({
    type: 'ban',
    id: b.id,
    kind: b.kind,
    hash: b.hash,
    prefix: b.prefix,
    reason: b.reason,
    createdAt: iso(b.createdAt),
    expiresAt: iso(b.expiresAt),
    actor: b.actor,
  });
}

export function auditLine(e: AuditEntry): string {
  return JSON.stringify({
    type: 'audit',
    id: e.id,
    at: iso(e.at),
    actor: e.actor,
    action: e.action,
    commentId: e.commentId,
    threadKey: e.threadKey,
    from: e.from,
    to: e.to,
    reason: e.reason,
  });
}

export function moderatorLine(m: Moderator): string {
  return JSON.stringify({
    type: 'moderator',
    id: m.id,
    email: m.email,
    name: m.name,
    role: m.role,
    disabled: m.disabled,
    passwordHash: m.passwordHash,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
  });
}

export function subscriberLine(s: Subscriber): string {
  return JSON.stringify({ type: 'subscriber', id: s.id, emailKey: s.emailKey, email: s.email, lang: s.lang, createdAt: iso(s.createdAt), confirmedAt: iso(s.confirmedAt) });
}

export function subscriptionLine(s: Subscription): string {
  return JSON.stringify({ type: 'subscription', id: s.id, emailKey: s.emailKey, commentId: s.commentId, threadKey: s.threadKey, lang: s.lang, createdAt: iso(s.createdAt) });
}

async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

export interface ExportCounts {
  threads: number;
  comments: number;
  bans: number;
  audit: number;
  moderators: number;
  subscribers: number;
  subscriptions: number;
}

/** Streams the store to `out` page by page (memory bounded by one page), in the order described above. */
export async function exportJson(storage: Storage, out: Writable, onRecord: () => void = () => undefined): Promise<ExportCounts> {
  const counts: ExportCounts = { threads: 0, comments: 0, bans: 0, audit: 0, moderators: 0, subscribers: 0, subscriptions: 0 };
  const write = async (kind: keyof ExportCounts, line: string) => {
    await writeLine(out, line);
    counts[kind] += 1;
    onRecord();
  };
  /** Every record of a keyed listing, a page at a time. */
  const paged = async <T>(list: (page: TransferPage) => Promise<T[]>, keyOf: (record: T) => string, kind: keyof ExportCounts, line: (record: T) => string) => {
    for (let after: string | null = null; ; ) {
      const page = await list({ after, limit: PAGE });
      for (const record of page) await write(kind, line(record));
      if (page.length < PAGE) break;
      after = keyOf(page[page.length - 1]!);
    }
  };
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  await writeLine(out, JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION }));
  await paged<ThreadRecord>((p) => storage.listAllThreads(p), (t) => t.key, 'threads', threadLine);
  await paged<Comment>((p) => storage.listAllComments(p), (c) => c.id, 'comments', commentLine);
  // Bans are few (moderators add them by hand): one read, sorted by id like the rest.
  for (const b of (await storage.listBans()).sort(byId)) await write('bans', banLine(b));
  // The audit log newest first, as moderators read it: (at, id) descending is the same order on every adapter.
  for (let cursor: PageCursor | null = null; ; ) {
    const page: AuditPage = await storage.listAudit({ cursor, limit: PAGE });
    for (const e of page.entries) await write('audit', auditLine(e));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  // Accounts are few, like bans; sessions stay behind (everyone signs in again).
  for (const m of (await storage.listModerators()).sort(byId)) await write('moderators', moderatorLine(m));
  await paged<Subscriber>((p) => storage.listAllSubscribers(p), (s) => s.id, 'subscribers', subscriberLine);
  await paged<Subscription>((p) => storage.listAllSubscriptions(p), (s) => s.id, 'subscriptions', subscriptionLine);
  return counts;
}

const date = z.iso.datetime().transform((s) => new Date(s));
const nullableDate = date.nullable();
const str = z.string();
const nstr = z.string().nullable();

// What the service itself writes: http(s) addresses (a commenter's website and an article's URL are links on pages)
// and a 32- or 64-hex avatar key (empty when erased).
const httpUrl = nstr.refine((w) => w === null || cleanWebsite(w) === w);
const avatar = z.string().regex(/^(?:[0-9a-f]{32}|[0-9a-f]{64})?$/);
const AUDIT_ACTIONS = [...MODERATION_ACTIONS, 'edit', 'lock_thread', 'unlock_thread', 'ban', 'unban', 'export_author', 'erase_author', 'reply', ...ACCOUNT_AUDIT_ACTIONS] as const;
// Fails to compile when an action is added to AuditAction and not listed here.
type UnlistedAction = Exclude<AuditAction, (typeof AUDIT_ACTIONS)[number]>;
const everyActionListed: UnlistedAction extends never ? true : UnlistedAction = true;
void everyActionListed;
const nstatus = z.enum(COMMENT_STATUSES).nullable();

const threadSchema = z.object({ type: z.literal('thread'), key: str.min(1), url: httpUrl, createdAt: date, locked: z.boolean(), lastCommentAt: nullableDate }).strict();
const commentSchema = z
  .object({
    type: z.literal('comment'),
    id: str.min(1),
    threadKey: str.min(1),
    parentId: nstr,
    replyTo: str.min(1).optional(),
    rootId: str.min(1),
    depth: z.number().int().min(0),
    status: z.enum(COMMENT_STATUSES),
    author: z
      .object({
        name: str,
        email: str,
        emailKey: str,
        website: httpUrl,
        avatar,
        moderator: z.literal(true).optional(),
        // A picture URL is shown to readers: only what the sign-in itself would keep (https, no credentials).
        identity: z.object({ key: str.min(1), badge: nstr, avatarUrl: nstr.refine((u) => u === null || safeAvatarUrl(u) === u) }).strict().optional(),
      })
      .strict(),
    body: str,
    html: str,
    createdAt: date,
    editedAt: nullableDate,
    editTokenHash: nstr,
    context: z.object({ ip: nstr, userAgent: nstr, referrer: nstr }).strict(),
    spamCheck: z.enum(['none', 'checked', 'unchecked']),
    spamReasons: z.array(str),
    recheck: z.object({ attempts: z.number().int().min(0), nextAt: date }).strict().nullable(),
    history: z.array(z.object({ body: str, editedAt: date, by: z.enum(['author', 'moderator']) }).strict()),
  })
  .strict();
const banSchema = z
  .object({
    type: z.literal('ban'),
    id: str.min(1),
    kind: z.enum(BAN_KINDS),
    hash: str.min(1),
    prefix: z.number().int().nullable(),
    reason: nstr,
    createdAt: date,
    expiresAt: nullableDate,
    actor: str,
  })
  .strict();
const auditSchema = z
  .object({
    type: z.literal('audit'),
    id: str.min(1),
    at: date,
    actor: str,
    action: z.enum(AUDIT_ACTIONS),
    commentId: nstr,
    threadKey: nstr,
    from: nstatus,
    to: nstatus,
    reason: nstr,
  })
  .strict();
// An account as the accounts service writes it: a normalised email, a display name, a role and a scrypt string.
const moderatorSchema = z
  .object({
    type: z.literal('moderator'),
    id: str.min(1),
    email: str.refine((e) => normalizeModeratorEmail(e) === e && !moderatorFieldProblems({ email: e }).email),
    name: str.refine((n) => n.trim() === n && !moderatorFieldProblems({ name: n }).name),
    role: z.enum(MODERATOR_ROLES),
    disabled: z.boolean(),
    passwordHash: str.refine(isPasswordHash),
    createdAt: date,
    updatedAt: date,
  })
  .strict();
// Reply mails go to these addresses: one line, no control characters; a language the mails are written in.
const mailAddress = str.min(3).max(254).regex(/^[^\s@]+@[^\s@]+$/);
const mailLang = z.enum(MODERATOR_LANGS);
const subscriberSchema = z
  .object({ type: z.literal('subscriber'), id: str.min(1), emailKey: str.min(1), email: mailAddress, lang: mailLang, createdAt: date, confirmedAt: nullableDate })
  .strict();
const subscriptionSchema = z
  .object({ type: z.literal('subscription'), id: str.min(1), emailKey: str.min(1), commentId: str.min(1), threadKey: str.min(1), lang: mailLang, createdAt: date })
  .strict();
const recordSchema = z.discriminatedUnion('type', [threadSchema, commentSchema, banSchema, auditSchema, moderatorSchema, subscriberSchema, subscriptionSchema]);
type ImportRecord = z.infer<typeof recordSchema>;

/** Stores one record other than a comment; false when it is there already. */
function restoreRecord(storage: Storage, { type, ...record }: Exclude<ImportRecord, { type: 'comment' }>): Promise<boolean> {
  switch (type) {
    case 'thread':
      return storage.restoreThread(record as ThreadRecord);
    case 'ban':
      return storage.restoreBan(record as Ban);
    case 'audit':
      return storage.restoreAudit(record as AuditEntry);
    case 'moderator':
      return storage.restoreModerator(record as Moderator);
    case 'subscriber':
      return storage.restoreSubscriber(record as Subscriber);
    case 'subscription':
      return storage.restoreSubscription(record as Subscription);
  }
}

export interface ImportJsonOptions {
  dryRun: boolean;
  onRecord?: (bytesRead: number) => void;
  /** Thread keys that gained comments or whose thread record was restored, for cache invalidation. */
  touched?: Set<string>;
}

/** Reads JSON lines one at a time; every record is validated and restored unless its id is already stored. */
export async function importJson(storage: Storage | null, input: Readable, options: ImportJsonOptions): Promise<ImportReport> {
  const report = new ImportReport();
  const lines = createInterface({ input, crlfDelay: Infinity });
  const batch = storage && !options.dryRun ? new CommentBatch(storage, report, { skipReason: 'already_present (comment)', kind: 'comment', touched: options.touched }) : null;
  let lineNo = 0;
  let bytes = 0;
  for await (const line of lines) {
    lineNo += 1;
    bytes += Buffer.byteLength(line) + 1;
    options.onRecord?.(bytes);
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      report.fail('invalid_json', `line ${lineNo}`);
      continue;
    }
    if (lineNo === 1) {
      const header = raw as { format?: unknown; version?: unknown };
      if (header.format !== EXPORT_FORMAT || !READABLE_VERSIONS.includes(header.version)) {
        report.fail('not_a_parley_export', 'line 1');
        break;
      }
      continue;
    }
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || 'record';
      report.fail(`invalid_record (${field})`, `line ${lineNo}`);
      continue;
    }
    const rec = parsed.data;
    if (rec.type === 'comment') {
      const { type: _type, ...comment } = rec;
      const html = renderBody(comment.body);
      if (html !== comment.html) report.adjust('html_rendered_from_body', `line ${lineNo}`);
      if (batch) await batch.add({ ...(comment as Comment), html }, `line ${lineNo}`);
      else report.count('comment');
      continue;
    }
    if (!batch || !storage) {
      report.count(rec.type);
      continue;
    }
    // Comments before this line go in first: the file's order (threads, comments, bans, audit, accounts,
    // subscriptions) is kept.
    await batch.flush();
    try {
      if (await restoreRecord(storage, rec)) {
        report.count(rec.type);
        // A thread restored without comments still changes its page (locked, its URL): running caches must drop it.
        if (rec.type === 'thread') options.touched?.add((rec as unknown as ThreadRecord).key);
      } else report.skip(`already_present (${rec.type})`);
    } catch (err) {
      report.fail(`storage_error (${(err as { code?: string }).code ?? 'unknown'})`, `line ${lineNo}`);
    }
  }
  await batch?.flush();
  if (lineNo === 0) report.fail('empty_file', 'line 1');
  return report;
}
