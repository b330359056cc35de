/** The comment as the service knows it: public fields, private fields, and the one table of status moves. */

export const COMMENT_STATUSES = ['pending', 'approved', 'spam', 'rejected', 'deleted'] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];

/** A count per status with every status present, all zero: what per-status counts start from. */
export function emptyStatusCounts(): Record<CommentStatus, number> {
  return Object.fromEntries(COMMENT_STATUSES.map((s) => [s, 0])) as Record<CommentStatus, number>;
}

/** Statuses any reader may see. A `deleted` comment is shown only as a "[deleted]" placeholder while it has visible replies. */
export const PUBLIC_STATUSES: readonly CommentStatus[] = ['approved'];
/** Statuses a public thread read loads: the public ones plus deleted placeholders that keep the tree's shape. */
export const THREAD_READ_STATUSES: readonly CommentStatus[] = ['approved', 'deleted'];
/** Statuses that hide a comment together with all its replies (a deleted comment keeps its replies visible). */
export const HIDING_STATUSES: readonly CommentStatus[] = ['pending', 'spam', 'rejected'];

/** How comments that pass the spam checks are published: at once, after a first approved one, or never without a moderator. */
export type ModerationMode = 'none' | 'first-time' | 'all';

/** The honeypot form field: hidden by the widget, never filled by people, and named so browsers never autofill it. */
export const HONEYPOT_FIELD = 'contact_me_by_fax_only';

/**
 * A note in `spamReasons` (not a hold): this public comment was edited by its author and the edit is waiting for a
 * spam verdict. A clean verdict may put it back where it was without the first-time rule.
 */
export const EDITED_AFTER_APPROVAL = 'edited_after_approval';

/**
 * A note in `spamReasons` (not a hold): the commenter was signed in through the host site with SSO_TRUSTED, so the
 * first-time rule was skipped at post time. Kept so a later decision (re-check, author's edit) skips it too.
 */
export const TRUSTED_SIGN_IN = 'trusted_sign_in';

/** Notes written into `spamReasons` that record a decision and hold nothing. */
export const isReasonNote = (r: string) => r === EDITED_AFTER_APPROVAL || r === TRUSTED_SIGN_IN;

/** Result of the spam checks: `checked` once a definitive verdict exists; `unchecked` while waiting for one. */
export type SpamCheckState = 'none' | 'checked' | 'unchecked';

export interface CommentAuthor {
  name: string;
  /** Private: never leaves the server for the public. */
  email: string;
  /** Keyed hash of the normalised email (HMAC under the server secret): finds an author's comments without the address. */
  emailKey: string;
  website: string | null;
  /** Public avatar key (HMAC of the normalised email, or a Gravatar hash when the operator chose it). */
  avatar: string;
  /** A moderator's reply from the admin page: `name` is the moderator's display name (their token's label). */
  moderator?: boolean;
  /** Present when the commenter was signed in (host-site SSO or OpenID Connect). */
  identity?: CommentIdentity;
}

/** Who a signed-in commenter is, as stored with each of their comments. */
export interface CommentIdentity {
  /** Keyed hash of the provider and the provider's user id: finds a commenter's comments ("my comments"). Private. */
  key: string;
  /** Shown next to the name (the host site's SSO_BADGE); null: none. */
  badge: string | null;
  /** An https picture URL given by the sign-in, sanitised; null: the usual avatar. */
  avatarUrl: string | null;
}

/** Private context of the submission, kept for spam feedback and erased after the retention window. */
export interface SubmissionContext {
  ip: string | null;
  userAgent: string | null;
  referrer: string | null;
}

/** When an unchecked comment is next sent to the spam service, and how many tries it has had. */
export interface RecheckState {
  attempts: number;
  nextAt: Date;
}

export interface EditRecord {
  body: string;
  editedAt: Date;
  by: 'author' | 'moderator';
}

export interface Comment {
  id: string;
  threadKey: string;
  /** Direct parent, or null for a top-level comment. */
  parentId: string | null;
  /**
   * The comment the author answered, present only when it is not `parentId`: a reply to a comment at the deepest level
   * (MAX_DEPTH) is stored under a shallower ancestor, and reply notifications still go to the answered comment's followers.
   */
  replyTo?: string;
  /** The top-level ancestor (its own id for a top-level comment): one query loads a page's replies. */
  rootId: string;
  /** 0 for top-level comments. */
  depth: number;
  status: CommentStatus;
  author: CommentAuthor;
  /** Markdown source as the author wrote it. */
  body: string;
  /** Safe HTML rendered from `body` on the server. */
  html: string;
  createdAt: Date;
  editedAt: Date | null;
  /** SHA-256 of the edit token given to the author; the token itself is never stored. */
  editTokenHash: string | null;
  context: SubmissionContext;
  spamCheck: SpamCheckState;
  /** Why the spam checks decided what they did (shown to moderators only). */
  spamReasons: string[];
  /** Set while `spamCheck` is `unchecked` and automatic re-checks remain; null otherwise. */
  recheck: RecheckState | null;
  history: EditRecord[];
}

/** The comment a reply answered (its parent, unless MAX_DEPTH stored it higher up); null for a top-level comment. */
export const answeredId = (c: Pick<Comment, 'parentId' | 'replyTo'>): string | null => c.replyTo ?? c.parentId;

/**
 * The MAX_DEPTH cap, as WordPress applies it: the comment a reply to `answered` is stored under — `answered` itself, or
 * the nearest ancestor a reply to which stays within `maxDepth` levels (0 .. maxDepth-1); null: the top level.
 */
export async function attachPoint(answered: Comment, maxDepth: number, load: (id: string) => Promise<Comment | undefined>): Promise<Comment | null> {
  let target: Comment | null = answered;
  while (target && target.depth + 1 > maxDepth - 1) target = target.parentId ? ((await load(target.parentId)) ?? null) : null;
  return target;
}

/**
 * Where a new comment `id` goes in its tree: under `parent` (the comment it answers, or the ancestor the MAX_DEPTH cap
 * attached it to; null: top level), keeping `answered` as `replyTo` when the two differ.
 */
export function placement(
  id: string,
  parent: Pick<Comment, 'id' | 'rootId' | 'depth'> | null,
  answered: string | null,
): Pick<Comment, 'parentId' | 'replyTo' | 'rootId' | 'depth'> {
  return {
    parentId: parent?.id ?? null,
    ...(answered !== null && answered !== parent?.id ? { replyTo: answered } : {}),
    rootId: parent?.rootId ?? id,
    depth: parent ? parent.depth + 1 : 0,
  };
}

const TRANSITIONS: Record<CommentStatus, readonly CommentStatus[]> = {
  pending: ['approved', 'spam', 'rejected', 'deleted'],
  approved: ['pending', 'spam', 'rejected', 'deleted'],
  spam: ['approved', 'pending', 'rejected', 'deleted'],
  rejected: ['approved', 'pending', 'spam', 'deleted'],
  // Restoring a deleted comment puts it back in the moderation queue, never straight to the public.
  deleted: ['pending'],
};

/** The one table of allowed status moves. */
export function canTransition(from: CommentStatus, to: CommentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
