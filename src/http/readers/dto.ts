/**
 * The API's JSON shapes. toPublicComment() is the ONLY way a comment leaves for the public: it copies an
 * allow-list of fields, so an email, IP, user agent, token hash or spam detail can never slip out.
 * web/ imports these types.
 */
import { PUBLIC_STATUSES, type Comment, type CommentStatus } from '../../domain/comment.js';
import type { ThreadNode, ThreadView } from '../../comments/comment-service.js';
import type { PublicCommentRow } from '../../storage/storage.js';
import { isoUtc } from './iso-utc.js';

export interface PublicAuthor {
  name: string;
  website: string | null;
  /** Null while the comment is not public: an avatar key would confirm a guessed email against a public commenter's. */
  avatar: string | null;
  /** Present on a moderator's reply: `name` is then the moderator's display name. */
  moderator?: true;
  /** A signed-in commenter's badge from the host site (SSO_BADGE). */
  badge?: string;
  /** A signed-in commenter's https picture, shown instead of the generated avatar. */
  avatarUrl?: string;
}

export interface PublicComment {
  id: string;
  parentId: string | null;
  /** Null for a "[deleted]" placeholder. */
  author: PublicAuthor | null;
  html: string;
  createdAt: string;
  editedAt: string | null;
  deleted?: true;
  replies?: PublicComment[];
}

export interface ThreadResponse {
  /** `locked`: the thread takes no new comments (a moderator closed it); the widget shows no form. */
  thread: { key: string; url: string | null; commentCount: number; locked: boolean };
  comments: PublicComment[];
  nextCursor: string | null;
}

/**
 * What the author is told about their comment. A comment the spam checks caught reads exactly like one awaiting
 * moderation, so a bot learns nothing from the answer.
 */
export type PublicStatus = 'approved' | 'pending';

export const AWAITING_MODERATION = 'Your comment is awaiting moderation.';

export function publicStatus(status: CommentStatus): PublicStatus {
  return status === 'approved' ? 'approved' : 'pending';
}

export interface PostCommentResponse {
  comment: PublicComment;
  status: PublicStatus;
  /** Present when the comment is not public yet. */
  message?: string;
  /** Lets the author edit or delete this comment within the edit window. Shown once; only its hash is stored. */
  editToken: string;
  /** Present when the comment is approved: send it with later posts under the same email to skip first-time moderation. */
  commenterToken?: string;
}

/** An author's edit: checked like a new comment, so it may now be awaiting moderation. */
export interface EditCommentResponse {
  comment: PublicComment;
  status: PublicStatus;
  /** Present when the edited comment is not public (held for a moderator). */
  message?: string;
}

/** POST /preview: a comment's text rendered as it would be published. */
export interface PreviewResponse {
  html: string;
}

export interface FormTokenResponse {
  token: string;
  minSubmitSeconds: number;
  expiresAt: string;
  /** The name of the hidden field that must stay empty. */
  honeypotField: string;
  /** How long after posting an author may edit or delete with the edit token (EDIT_WINDOW_MINUTES). */
  editWindowMinutes: number;
  /** Reader reply notifications are on: the form may offer the "Notify me of follow-up replies" box (notifyReplies). */
  notifyReplies: boolean;
  /** Who may post: `guests` false means sign in first (GUEST_COMMENTS=off); `oidc` is the sign-in popup's URL, or null. */
  signIn?: { guests: boolean; oidc: string | null };
}

/** A signed-in commenter as the widget may show them: never the email. */
export interface PublicCommenter {
  name: string;
  provider: 'sso' | 'oidc';
  badge: string | null;
  avatarUrl: string | null;
}

/** POST /sso/session, and what the OpenID popup posts back to the widget. */
export interface SessionResponse {
  /** Send as `Authorization: Bearer …` with posts and /me requests. Sealed: readable by this service only. */
  session: string;
  expiresAt: string;
  commenter: PublicCommenter;
}

/** One of a signed-in commenter's own comments, with where it is. */
export type MyComment = PublicComment & { status: PublicStatus; threadKey: string; url: string | null };

export interface MyCommentsResponse {
  comments: MyComment[];
  nextCursor: string | null;
}

/** GET /me/comments/export: everything the commenter wrote, as they wrote it. */
export interface MyCommentsExport {
  exportedAt: string;
  commenter: PublicCommenter;
  comments: (MyComment & { body: string })[];
}

/** The author's own comments, found by their edit tokens; held ones are marked pending. */
export interface OwnCommentsResponse {
  /** `commenterToken` is present on approved ones (see PostCommentResponse). */
  comments: (PublicComment & { status: PublicStatus; commenterToken?: string })[];
}

export interface CountsResponse {
  counts: Record<string, number>;
}

export interface ErrorResponse {
  error: { code: string; message: string; fields?: Record<string, string>; requestId: string };
}

export const DELETED_HTML = '<p>[deleted]</p>';

export function toPublicComment(c: Comment): PublicComment {
  if (c.status === 'deleted') {
    return { id: c.id, parentId: c.parentId, author: null, html: DELETED_HTML, createdAt: c.createdAt.toISOString(), editedAt: null, deleted: true };
  }
  return {
    id: c.id,
    parentId: c.parentId,
    author: {
      name: c.author.name,
      website: c.author.website,
      avatar: PUBLIC_STATUSES.includes(c.status) ? c.author.avatar : null,
      ...(c.author.moderator ? { moderator: true as const } : {}),
      ...(c.author.identity?.badge ? { badge: c.author.identity.badge } : {}),
      ...(c.author.identity?.avatarUrl ? { avatarUrl: c.author.identity.avatarUrl } : {}),
    },
    html: c.html,
    createdAt: c.createdAt.toISOString(),
    editedAt: c.editedAt ? c.editedAt.toISOString() : null,
  };
}

function publicAuthorOfRow(r: PublicCommentRow): PublicAuthor {
  return {
    name: r.authorName,
    website: r.website,
    avatar: r.avatar,
    ...(r.moderator ? { moderator: true as const } : {}),
    ...(r.badge ? { badge: r.badge } : {}),
    ...(r.avatarUrl ? { avatarUrl: r.avatarUrl } : {}),
  };
}

/** The same shape, key order and bytes as toPublicComment, from the public row a thread page reads. */
export function toPublicCommentFromRow(r: PublicCommentRow): PublicComment {
  if (r.status === 'deleted') {
    return { id: r.id, parentId: r.parentId, author: null, html: DELETED_HTML, createdAt: r.createdAt.toISOString(), editedAt: null, deleted: true };
  }
  return {
    id: r.id,
    parentId: r.parentId,
    author: publicAuthorOfRow(r),
    html: r.html,
    createdAt: r.createdAt.toISOString(),
    editedAt: r.editedAt ? r.editedAt.toISOString() : null,
  };
}

/** toPublicCommentFromRow plus `replies`, built as one object: a thread page maps hundreds of these per cold read. */
function toPublicNode(n: ThreadNode): PublicComment {
  const r = n.comment;
  const replies = n.replies.map(toPublicNode);
  const createdAt = isoUtc(r.createdAt.getTime());
  if (r.status === 'deleted') {
    return { id: r.id, parentId: r.parentId, author: null, html: DELETED_HTML, createdAt, editedAt: null, deleted: true, replies };
  }
  return {
    id: r.id,
    parentId: r.parentId,
    author: publicAuthorOfRow(r),
    html: r.html,
    createdAt,
    editedAt: r.editedAt ? isoUtc(r.editedAt.getTime()) : null,
    replies,
  };
}

export function toThreadResponse(view: ThreadView): ThreadResponse {
  return { thread: view.thread, comments: view.nodes.map(toPublicNode), nextCursor: view.nextCursor };
}

