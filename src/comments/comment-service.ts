/** Readers' use cases: read a thread, count threads, post a comment, edit or delete one's own within the window. */
import type { Comment, CommentStatus, ModerationMode, RecheckState } from '../domain/comment.js';
import { attachPoint, EDITED_AFTER_APPROVAL, isReasonNote, placement, THREAD_READ_STATUSES, TRUSTED_SIGN_IN, PUBLIC_STATUSES } from '../domain/comment.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../domain/errors.js';
import { decodeKeyset, encodeKeyset } from '../domain/cursor.js';
import { renderBody } from '../domain/markup.js';
import { banHasher } from '../domain/ban.js';
import { avatarKey, emailKeyOf, keyedHash, newToken, tokenFromKey, tokenMatches, type AvatarMode } from '../domain/privacy.js';
import { resolveThread, threadKeyFromUrl, type ThreadPolicy } from '../domain/thread.js';
import type { CommentPatch, PageCursor, PublicCommentRow, SortOrder, Storage } from '../storage/storage.js';
import type { SpamPipeline } from '../spam/pipeline.js';
import { issueFormToken } from '../spam/form-token.js';
import { firstRecheck } from './recheck-schedule.js';
import { issueCommenterToken, verifyCommenterToken } from '../domain/commenter-token.js';
import type { ReadCacheInvalidator } from '../cache/read-cache.js';
import { statusNotification, type Notifier } from '../notify/notifier.js';
import type { Commenter } from '../domain/commenter.js';

export type { ModerationMode };

/** Same body, same author, same thread within this window → 409 duplicate_comment. */
export const DUPLICATE_WINDOW_MS = 24 * 3_600_000;
/** Comments read per storage call while exporting a signed-in commenter's comments. */
const MINE_EXPORT_PAGE = 200;

export interface CommentServiceDeps {
  storage: Storage;
  clock: () => Date;
  newId: () => string;
  /** Runs before a comment can be seen. Without one, nothing is checked (unit-level use only). */
  spam?: SpamPipeline;
  onCommentCreated?: (status: CommentStatus) => void;
  /** Told about comment events after each write (webhooks, mail); queues them, never waits for delivery. */
  notifier?: Notifier;
  /** Told about every write that changes what readers see, before the write's response. */
  cache?: ReadCacheInvalidator;
  settings: {
    secret: string;
    avatars: AvatarMode;
    maxDepth: number;
    editWindowMinutes: number;
    threadPolicy: ThreadPolicy;
    moderation: ModerationMode;
    minSubmitSeconds: number;
    formTokenMaxAgeHours: number;
    /** Reader reply notifications are on: the form offers the "Notify me" box. */
    replyNotifications?: boolean;
    /** GUEST_COMMENTS: false refuses posts without a signed-in commenter (sign_in_required). Default true. */
    guests?: boolean;
  };
}

export { emailKeyOf };

export interface ThreadSelector {
  url?: string | undefined;
  threadId?: string | undefined;
}

export interface PostCommentInput extends ThreadSelector {
  name: string;
  email: string;
  website?: string | undefined;
  body: string;
  parentId?: string | undefined;
  /** From GET /api/v1/form-token (or the server-rendered form). */
  formToken?: string | undefined;
  /** The hidden field people never fill. */
  honeypot?: string | undefined;
  /** The signed commenter token this browser got with an earlier approved comment: proof of a returning commenter. */
  commenterToken?: string | undefined;
  /** Client-chosen per submission: a retry with the same key returns the original comment and edit token. */
  idempotencyKey?: string | undefined;
  /** Mail me replies to this comment (double opt-in: the first ask of an address is confirmed by mail first). */
  notifyReplies?: boolean | undefined;
  /** The widget's language: the reader mails and pages of this subscription are in it. */
  lang?: string | undefined;
  /** The signed-in commenter (from their session): name and email then come from the sign-in, not the form. */
  commenter?: Commenter | undefined;
}

export interface OwnCommentRef {
  id: string;
  editToken: string;
}

/** The commenter's request context: private, kept for spam feedback and moderation. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  referrer: string | null;
}

/** A comment with its visible replies nested; `placeholder` marks a deleted comment kept for its replies. */
export interface ThreadNode<C extends TreeItem = PublicCommentRow> {
  comment: C;
  placeholder: boolean;
  replies: ThreadNode<C>[];
}

/** What buildTree needs of a comment: a stored Comment or a public row. */
export type TreeItem = Pick<Comment, 'id' | 'parentId' | 'status'>;

export interface ThreadView {
  thread: { key: string; url: string | null; commentCount: number; locked: boolean };
  nodes: ThreadNode[];
  nextCursor: string | null;
}

export interface ListThreadInput extends ThreadSelector {
  sort: SortOrder;
  limit: number;
  cursor?: string | undefined;
}

export function encodeCursor(c: PageCursor): string {
  return encodeKeyset(c.createdAt.getTime(), c.id);
}

export function decodeCursor(raw: string): PageCursor {
  const [ms, id] = decodeKeyset(raw);
  return { createdAt: new Date(ms), id };
}

/** The patch of a body edit: re-rendered HTML, the edit time, and the previous body kept in the history. */
export function bodyEdit(previous: Comment, body: string, now: Date, by: 'author' | 'moderator'): CommentPatch {
  return { body, html: renderBody(body), editedAt: now, appendHistory: { body: previous.body, editedAt: now, by } };
}

/** Nests a page's replies under their parents; drops replies whose parent is hidden and deleted leaves. */
export function buildTree<C extends TreeItem>(roots: C[], replies: C[]): ThreadNode<C>[] {
  const nodes = new Map<string, ThreadNode<C>>();
  const top: ThreadNode<C>[] = [];
  for (const c of roots) {
    const node: ThreadNode<C> = { comment: c, placeholder: c.status === 'deleted', replies: [] };
    nodes.set(c.id, node);
    top.push(node);
  }
  for (const c of replies) nodes.set(c.id, { comment: c, placeholder: c.status === 'deleted', replies: [] });
  for (const r of replies) {
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    if (parent) parent.replies.push(nodes.get(r.id)!);
  }
  return prune(top);
}

/**
 * A deleted comment stays only as long as a visible comment hangs under it. The nodes are buildTree's own, so they are
 * pruned in place (a page has hundreds; a copy per node was a measurable part of a cold read).
 */
function prune<C extends TreeItem>(list: ThreadNode<C>[]): ThreadNode<C>[] {
  let kept = 0;
  for (const n of list) {
    if (n.replies.length > 0) n.replies = prune(n.replies);
    if (!n.placeholder || n.replies.length > 0) list[kept++] = n;
  }
  list.length = kept;
  return list;
}

export function createCommentService(deps: CommentServiceDeps) {
  const { storage, clock, newId, settings } = deps;

  async function findOwn(id: string, token: string | undefined): Promise<{ comment: Comment; threadUrl: string | null }> {
    if (!token) throw new UnauthorizedError('Send the edit token as "Authorization: Bearer <token>".');
    const comment = await storage.getComment(id);
    if (!comment || comment.status === 'deleted') throw new NotFoundError('comment_not_found', 'No such comment.');
    if (!tokenMatches(token, comment.editTokenHash)) throw new ForbiddenError('forbidden', 'This edit token does not belong to this comment.');
    const closesAt = comment.createdAt.getTime() + settings.editWindowMinutes * 60_000;
    if (clock().getTime() > closesAt) {
      throw new ForbiddenError('edit_window_closed', `Comments can only be changed within ${settings.editWindowMinutes} minutes of posting.`);
    }
    const thread = await storage.getThread(comment.threadKey);
    if (thread?.locked) throw new ForbiddenError('thread_locked', 'This thread is closed: its comments can no longer be changed.');
    return { comment, threadUrl: thread?.url ?? null };
  }

  /**
   * Whether readers can see the chain above a comment: every ancestor public, or deleted (a "[deleted]" placeholder
   * keeps the tree's shape). Under a held, spam or rejected ancestor the comment is hidden, and so would a reply be.
   */
  async function ancestorsVisible(c: Comment): Promise<boolean> {
    let current = c;
    // Depth is capped at MAX_DEPTH, so this is a bounded walk; the guard stops a corrupt cycle.
    for (let hops = 0; current.parentId && hops <= Math.max(settings.maxDepth, current.depth) + 1; hops += 1) {
      const up = await storage.getComment(current.parentId);
      if (!up || !(PUBLIC_STATUSES.includes(up.status) || up.status === 'deleted')) return false;
      current = up;
    }
    return current.parentId === null;
  }

  /**
   * After the spam checks passed: publish, or hold per the moderation mode. `proven` says the post showed it comes
   * from this email's returning commenter (a valid commenter token); an email alone makes a first-time commenter.
   */
  async function publishOrHold(emailKey: string, proven = true): Promise<{ status: CommentStatus; reason?: string }> {
    if (settings.moderation === 'all') return { status: 'pending', reason: 'moderation_all' };
    if (settings.moderation === 'first-time' && (!proven || !(await returning(emailKey)))) {
      return { status: 'pending', reason: 'first_time_commenter' };
    }
    return { status: 'approved' };
  }

  /** An address with an approved comment, or one its owner confirmed for reply mails (double opt-in). */
  async function returning(emailKey: string): Promise<boolean> {
    return (await storage.hasApprovedComment(emailKey)) || (emailKey !== '' && !!(await storage.findSubscriber(emailKey))?.confirmedAt);
  }

  /** The moderation decision for a stored comment the spam service has cleared (re-check job, author's edit). */
  async function publishOrHoldStored(c: Comment): Promise<{ status: CommentStatus; reason?: string }> {
    // A public comment whose author edited it, or a trusted sign-in's, was already past the first-time rule.
    if (settings.moderation !== 'all' && (c.spamReasons.includes(EDITED_AFTER_APPROVAL) || c.spamReasons.includes(TRUSTED_SIGN_IN))) return { status: 'approved' };
    return publishOrHold(c.author.emailKey);
  }

  /** A commenter token for the author of an approved comment (given only to whoever holds that comment's edit token). */
  function commenterTokenFor(c: Comment): string | undefined {
    return c.status === 'approved' && c.author.emailKey ? issueCommenterToken(settings.secret, c.author.emailKey, clock()) : undefined;
  }

  /**
   * commenterTokenFor, and also for a held comment whose address its owner confirmed by mail: what lets a reader who
   * confirmed reply notifications count as returning from their next comment on (given only to the comment's edit-token holder).
   */
  async function trustTokenFor(c: Comment): Promise<string | undefined> {
    const token = commenterTokenFor(c);
    if (token || c.status !== 'pending' || !c.author.emailKey) return token;
    return (await storage.findSubscriber(c.author.emailKey))?.confirmedAt ? issueCommenterToken(settings.secret, c.author.emailKey, clock()) : undefined;
  }

  /** One lookup of every hash that could ban this commenter: email (+tags, case), its domains, the IP's networks. */
  const banHashesFor = banHasher(settings.secret);
  async function isBanned(email: string, ip: string | null, now: Date): Promise<boolean> {
    return (await storage.findActiveBan({ hashes: banHashesFor(email, ip), now })) !== undefined;
  }

  return {
    publishOrHold: publishOrHoldStored,

    /** A signed, expiring form token for a thread; the widget fetches it with the thread. */
    issueFormToken(selector: ThreadSelector): { token: string; minSubmitSeconds: number; expiresAt: Date; editWindowMinutes: number; notifyReplies: boolean } {
      const ref = resolveThread(selector, settings.threadPolicy);
      const now = clock();
      return {
        token: issueFormToken(settings.secret, ref.key, now),
        minSubmitSeconds: settings.minSubmitSeconds,
        editWindowMinutes: settings.editWindowMinutes,
        expiresAt: new Date(now.getTime() + settings.formTokenMaxAgeHours * 3_600_000),
        notifyReplies: settings.replyNotifications === true,
      };
    },

    /** The author's own comments (found by their edit tokens), so a held comment stays visible to its author. */
    async listOwn(refs: readonly OwnCommentRef[]): Promise<Comment[]> {
      const found = await storage.getComments([...new Set(refs.map((r) => r.id))]);
      const tokens = new Map(refs.map((r) => [r.id, r.editToken]));
      return found.filter((c) => c.status !== 'deleted' && c.status !== 'rejected' && tokenMatches(tokens.get(c.id) ?? '', c.editTokenHash));
    },

    async listThread(input: ListThreadInput): Promise<ThreadView> {
      const ref = resolveThread(input, settings.threadPolicy);
      const cursor = input.cursor ? decodeCursor(input.cursor) : null;
      const [page, counts, stored] = await Promise.all([
        storage.listThreadPublic({ threadKey: ref.key, sort: input.sort, cursor, limit: input.limit }),
        storage.countVisible([ref.key]),
        // Read for its url when asked by threadId, and always for `locked`: the form is not offered on a closed thread.
        storage.getThread(ref.key),
      ]);
      return {
        thread: { key: ref.key, url: ref.url ?? stored?.url ?? null, commentCount: counts.get(ref.key) ?? 0, locked: stored?.locked ?? false },
        nodes: buildTree(page.roots, page.replies),
        nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
      };
    },

    /** Counts of public comments per URL, keyed by the URLs exactly as asked; one storage query. */
    async countThreads(urls: readonly string[]): Promise<Record<string, number>> {
      const keys = new Map<string, string>();
      const fields: Record<string, string> = {};
      urls.forEach((url, i) => {
        try {
          keys.set(url, threadKeyFromUrl(url, settings.threadPolicy).key);
        } catch (err) {
          if (err instanceof ValidationError) fields[`url[${i}]`] = 'invalid';
          else throw err;
        }
      });
      if (Object.keys(fields).length > 0) throw new ValidationError(fields, 'Some URLs are not absolute http(s) URLs.');
      const counts = await storage.countVisible([...new Set(keys.values())]);
      return Object.fromEntries([...keys].map(([url, key]) => [url, counts.get(key) ?? 0]));
    },

    async postComment(posted: PostCommentInput, context: RequestContext): Promise<{ comment: Comment; editToken: string; commenterToken: string | undefined }> {
      const signedIn = posted.commenter;
      if (!signedIn && settings.guests === false) throw new AppError('sign_in_required', 'Sign in to comment here.');
      // A signed-in commenter's name and email are the sign-in's; one without an email is keyed by their identity.
      const input: PostCommentInput = signedIn ? { ...posted, name: signedIn.name, email: signedIn.email ?? '' } : posted;
      const personKey = signedIn && !signedIn.email ? keyedHash(signedIn.key, settings.secret, 'identity-person') : null;
      const ref = resolveThread(input, settings.threadPolicy);
      let parent: Comment | null = null;
      let answered: Comment | null = null;
      if (input.parentId) {
        const found = await storage.getComment(input.parentId);
        if (!found || found.threadKey !== ref.key || !PUBLIC_STATUSES.includes(found.status) || !(await ancestorsVisible(found))) {
          throw new NotFoundError('parent_not_found', 'The comment you are replying to does not exist in this thread.');
        }
        answered = found;
        parent = await attachPoint(found, settings.maxDepth, (up) => storage.getComment(up));
      }
      const now = clock();
      const emailKey = personKey ?? emailKeyOf(input.email, settings.secret);
      const duplicateSince = new Date(now.getTime() - DUPLICATE_WINDOW_MS);
      // The thread, the ban match and the duplicate check in one storage call (one statement on SQLite).
      // The duplicate answer is a cheap early one (before the spam check); insertComment enforces the rule under concurrency.
      const checks = await storage.postChecks({ threadKey: ref.key, banHashes: banHashesFor(input.email, context.ip), now, emailKey, body: input.body, since: duplicateSince });
      // The thread's public URL comes only from a comment that is published (below): a spam or held first post must
      // not name the page a thread links to.
      // Read first: a thread's row is created once, and the upsert is a write (a commit) on every post otherwise.
      const thread = checks.thread ?? (await storage.ensureThread({ key: ref.key, url: null, now }));
      if (thread.locked) throw new ForbiddenError('thread_locked', 'This thread is closed for new comments.');
      if (checks.banned) throw new ForbiddenError('banned', 'You cannot comment here.');
      // Bound to what is posted too, so a key a client reuses for another comment never yields the same token.
      const { token, hash } = input.idempotencyKey
        ? tokenFromKey(JSON.stringify([input.idempotencyKey, ref.key, emailKey, input.parentId ?? null, input.body]), settings.secret)
        : newToken();
      // A retry of a post that was stored (the answer was lost): the same key finds it by its token.
      const replay = async () => {
        if (!input.idempotencyKey) return undefined;
        // Not once it is deleted or rejected: the retry must not bring back a comment its author or a moderator removed.
        const mine = (await storage.listByAuthor(emailKey)).find(
          (c) => c.threadKey === ref.key && c.body === input.body && c.status !== 'deleted' && c.status !== 'rejected' && tokenMatches(token, c.editTokenHash),
        );
        if (!mine) return undefined;
        // The first attempt may have stopped before telling the read caches.
        await deps.cache?.invalidate([ref.key]);
        return { comment: mine, editToken: token, commenterToken: commenterTokenFor(mine) };
      };
      if (checks.duplicate) {
        const original = await replay();
        if (original) return original;
        throw new ConflictError('duplicate_comment', 'You already posted this comment here.');
      }

      const verdict = deps.spam
        ? await deps.spam({
            threadKey: ref.key,
            threadUrl: ref.url ?? thread.url,
            isReply: parent !== null,
            author: { name: input.name, email: input.email, website: input.website ?? null },
            body: input.body,
            context,
            form: { token: input.formToken, honeypot: input.honeypot },
            now,
          })
        : ({ outcome: 'pass', spamCheck: 'none', reasons: [] } as const);
      if (verdict.outcome === 'discard') {
        throw new AppError('comment_rejected', 'Your comment could not be posted.');
      }
      const reasons = [...verdict.reasons];
      let status: CommentStatus;
      if (verdict.outcome === 'spam') status = 'spam';
      else {
        // Decided (and its reason kept) even when the checks hold it: a later clean re-check must not skip this rule.
        // A signed-in commenter's address is vouched for by the site or the provider; SSO_TRUSTED skips the first-time rule.
        const proven = signedIn ? signedIn.emailVerified : verifyCommenterToken(input.commenterToken, settings.secret, emailKey, now);
        const trusted = signedIn?.trusted === true && settings.moderation !== 'all';
        const decided = trusted ? { status: 'approved' as const } : await publishOrHold(emailKey, proven);
        status = verdict.outcome === 'hold' ? 'pending' : decided.status;
        if (decided.reason) reasons.push(decided.reason);
        // Noted on the comment: the re-check job and an author's edit decide again and must know it.
        if (trusted) reasons.push(TRUSTED_SIGN_IN);
      }
      const recheck: RecheckState | null = verdict.spamCheck === 'unchecked' && status === 'pending' ? firstRecheck(now) : null;

      const id = newId();
      const comment: Comment = {
        id,
        threadKey: ref.key,
        // Stored under a shallower ancestor by MAX_DEPTH, it keeps the answered comment (whose followers are mailed).
        ...placement(id, parent, answered?.id ?? null),
        status,
        author: {
          name: input.name,
          email: input.email,
          emailKey,
          website: input.website ?? null,
          avatar: avatarKey(personKey ?? input.email, settings.secret, settings.avatars),
          ...(signedIn ? { identity: { key: signedIn.key, badge: signedIn.badge, avatarUrl: signedIn.avatarUrl } } : {}),
        },
        body: input.body,
        html: renderBody(input.body),
        createdAt: now,
        editedAt: null,
        editTokenHash: hash,
        context,
        spamCheck: verdict.spamCheck,
        spamReasons: reasons,
        recheck,
        history: [],
      };
      // Recorded by the insert itself, so a crash before the notifier has stored the messages loses none (notifier.ts).
      // Spam never subscribes anyone: a confirmation mail must not be a way to mail a stranger.
      const subscribe = input.notifyReplies && status !== 'spam' ? { lang: input.lang ?? null } : null;
      const notify = deps.notifier?.pendingFor(comment, 'created', now, subscribe) ?? null;
      try {
        await storage.insertComment(comment, { duplicateSince, ...(notify ? { notify } : {}) });
      } catch (err) {
        const original = err instanceof ConflictError && err.code === 'duplicate_comment' ? await replay() : undefined;
        if (original) return original;
        // The insert may have applied before the failure (a lost answer): readers' caches are told anyway.
        await deps.cache?.invalidate([ref.key]);
        throw err;
      }
      if (status === 'approved' && ref.url !== null && thread.url === null) await storage.ensureThread({ key: ref.key, url: ref.url, now });
      await deps.cache?.invalidate([ref.key]);
      deps.onCommentCreated?.(status);
      if (notify) await deps.notifier!.complete(comment, notify);
      return { comment, editToken: token, commenterToken: commenterTokenFor(comment) };
    },

    commenterTokenFor,
    trustTokenFor,

    /**
     * An author's edit goes through the same checks as a new comment (no form, so no form token or honeypot):
     * local rules, then Akismet with the new text. A hold or spam verdict hides the comment until a moderator
     * looks; the previous text stays in the history for them. An edit never makes a comment more visible than
     * it was: a held comment stays held unless its hold no longer applies, spam and rejected stay so.
     */
    async editOwn(id: string, token: string | undefined, body: string, context: RequestContext): Promise<Comment> {
      const { comment, threadUrl } = await findOwn(id, token);
      const now = clock();
      if (await isBanned(comment.author.email, context.ip, now)) throw new ForbiddenError('banned', 'You cannot comment here.');
      const verdict = deps.spam
        ? await deps.spam({
            threadKey: comment.threadKey,
            threadUrl: threadUrl ?? (comment.threadKey.startsWith('http') ? comment.threadKey : null),
            isReply: comment.parentId !== null,
            author: { name: comment.author.name, email: comment.author.email, website: comment.author.website },
            body,
            context,
            form: null,
            recheckReason: 'edit',
            now,
          })
        : ({ outcome: 'pass', spamCheck: 'none', reasons: [] } as const);
      if (verdict.outcome === 'discard') throw new AppError('comment_rejected', 'Your edit could not be saved.');

      const reasons = [...verdict.reasons];
      // The reasons a hidden comment was hidden for still stand (the spam service's own are replaced by its new verdict).
      if (comment.status !== 'approved') {
        for (const r of comment.spamReasons) {
          if (!r.startsWith('akismet_') && !isReasonNote(r) && !reasons.includes(r)) reasons.push(r);
        }
      }
      const stillHeld = reasons.length > verdict.reasons.length;
      let status: CommentStatus;
      if (comment.status === 'spam' || comment.status === 'rejected') status = comment.status;
      else if (verdict.outcome === 'spam') status = 'spam';
      else if (verdict.outcome === 'hold' || stillHeld) status = 'pending';
      else if (comment.status === 'approved' && settings.moderation !== 'all') status = 'approved';
      else if (comment.status === 'approved' || comment.spamCheck === 'unchecked') {
        // Held only while the spam service had not answered (or public, under MODERATION=all): the mode decides.
        const decided = await publishOrHoldStored(comment);
        status = decided.status;
        if (decided.reason) reasons.push(decided.reason);
      } else status = 'pending'; // held by a moderator: their call, not the edit's
      if (comment.spamReasons.includes(TRUSTED_SIGN_IN)) reasons.push(TRUSTED_SIGN_IN);

      if (comment.status === 'approved' && status !== 'approved') reasons.push(EDITED_AFTER_APPROVAL);
      const recheck: RecheckState | null = verdict.spamCheck === 'unchecked' && status === 'pending' ? firstRecheck(now) : null;
      const patch: CommentPatch = { ...bodyEdit(comment, body, now, 'author'), status, spamCheck: verdict.spamCheck, spamReasons: reasons, recheck };
      // A status the edit changed is an event like a moderator's move: held again (the moderators hear of it),
      // published (followers of the answered comment are mailed) or spam; recorded with the update.
      const notification = status !== comment.status ? statusNotification(deps.notifier, comment, status, now, 'edited') : null;
      // Readers' caches are told even when the write fails: it may have applied before the failure (a lost answer).
      const updated = await storage.updateComment(id, patch, { ifStatus: comment.status, ...notification?.options }).finally(() => deps.cache?.invalidate([comment.threadKey]));
      if (!updated) throw new NotFoundError('comment_not_found', 'No such comment.');
      await notification?.done(updated);
      return updated;
    },

    // --- "my comments": a signed-in commenter's own comments across the site, by their identity key
    /** One page of the commenter's comments, newest first (any status but deleted). */
    async listMine(commenter: Commenter, cursor: string | undefined, limit: number): Promise<{ comments: Comment[]; nextCursor: string | null }> {
      const page = await storage.listByIdentity({ identityKey: commenter.key, cursor: cursor ? decodeCursor(cursor) : null, limit });
      return { comments: page.comments, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null };
    },

    /** Every comment of the commenter (newest first), for their JSON export; read page by page. */
    async exportMine(commenter: Commenter): Promise<Comment[]> {
      const all: Comment[] = [];
      let cursor: PageCursor | null = null;
      do {
        const page = await storage.listByIdentity({ identityKey: commenter.key, cursor, limit: MINE_EXPORT_PAGE });
        all.push(...page.comments);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    },

    /** Deletes one of the commenter's comments (no edit window: it is theirs); readers' caches learn it first. */
    async deleteMine(commenter: Commenter, id: string): Promise<void> {
      const comment = await storage.getComment(id);
      if (!comment || comment.author.identity?.key !== commenter.key || comment.status === 'deleted') {
        throw new NotFoundError('comment_not_found', 'No such comment.');
      }
      const notification = statusNotification(deps.notifier, comment, 'deleted', clock());
      const updated = await storage.updateComment(id, { status: 'deleted' }, { ifStatus: comment.status, ...notification.options }).finally(() => deps.cache?.invalidate([comment.threadKey]));
      if (!updated) throw new NotFoundError('comment_not_found', 'No such comment.');
      await notification.done(updated);
    },

    async deleteOwn(id: string, token: string | undefined): Promise<void> {
      const { comment } = await findOwn(id, token);
      const notification = statusNotification(deps.notifier, comment, 'deleted', clock());
      const updated = await storage.updateComment(id, { status: 'deleted' }, { ifStatus: comment.status, ...notification.options }).finally(() => deps.cache?.invalidate([comment.threadKey]));
      if (!updated) throw new NotFoundError('comment_not_found', 'No such comment.');
      await notification.done(updated);
    },
  };
}

export type CommentService = ReturnType<typeof createCommentService>;
