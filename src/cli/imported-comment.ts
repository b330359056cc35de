/** A comment from another system, shaped like a new one: keyed email and avatar, Markdown body rendered safely. */
import { placement, type Comment, type CommentStatus } from '../domain/comment.js';
import { renderBody } from '../domain/markup.js';
import { avatarKey, emailKeyOf, type AvatarMode } from '../domain/privacy.js';
import { htmlToMarkdown } from './html-to-markdown.js';

const NOT_IN_LINE = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/gu;
const NOT_IN_BODY = /[\p{Cs}\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;
const MAX_NAME = 100;

/** What a reply attaches to: the parent's id, root and depth. */
export interface ParentRef {
  id: string;
  rootId: string;
  depth: number;
}

export interface ImportedCommentInput {
  id: string;
  threadKey: string;
  parent: ParentRef | null;
  /** The id of the comment the source says this one answers, when the depth cap attached it higher up. */
  answered?: string | undefined;
  status: CommentStatus;
  name: string | undefined;
  email: string | undefined;
  website: string | undefined;
  ip: string | undefined;
  userAgent: string | undefined;
  createdAt: Date;
  /** The source's HTML. */
  contentHtml: string;
}

export interface ImportKeys {
  secret: string;
  avatars: AvatarMode;
}

export function cleanWebsite(value: string | undefined): string | null {
  const v = (value ?? '').trim();
  if (v === '' || v.length > 2048) return null;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' ? v : null;
  } catch {
    return null;
  }
}

export function cleanName(value: string | undefined): string {
  const name = [...(value ?? '').replace(NOT_IN_LINE, ' ').replace(/\s+/g, ' ').trim()].slice(0, MAX_NAME).join('').trim();
  return name === '' ? 'Anonymous' : name;
}

/** The comment, or the reason it cannot be imported. */
export function importedComment(input: ImportedCommentInput, keys: ImportKeys): Comment | { reason: string } {
  const body = htmlToMarkdown(input.contentHtml.replace(NOT_IN_BODY, ''));
  if (body === '') return { reason: 'empty_content' };
  const email = (input.email ?? '').trim();
  const name = cleanName(input.name);
  return {
    id: input.id,
    threadKey: input.threadKey,
    ...placement(input.id, input.parent, input.answered ?? null),
    status: input.status,
    author: {
      name,
      email,
      // No email: no author key (like an erased author), and an avatar keyed by the name instead.
      emailKey: email === '' ? '' : emailKeyOf(email, keys.secret),
      website: cleanWebsite(input.website),
      avatar: avatarKey(email === '' ? `anonymous:${name}` : email, keys.secret, keys.avatars),
    },
    body,
    html: renderBody(body),
    createdAt: input.createdAt,
    editedAt: null,
    editTokenHash: null,
    context: { ip: (input.ip ?? '').trim() || null, userAgent: (input.userAgent ?? '').trim() || null, referrer: null },
    spamCheck: 'none',
    spamReasons: [],
    recheck: null,
    history: [],
  };
}
