/**
 * GET /threads/html?url=…|threadId=…: the thread and a plain <form method="post"> rendered on the server, for readers
 * without JavaScript and for search engines. The form carries a form token issued here and the hidden honeypot, like
 * the widget. POST /threads/html (form-urlencoded) posts through the same comment service: a stored comment
 * redirects (303) back to the thread with the outcome shown; a refused one is answered right away with the page, the
 * reader's text kept in the form and each error beside its field. (Carrying the typed values across a redirect would
 * put the email in a URL, or in a server-side store that another instance cannot see.)
 */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { CommentService } from '../../comments/comment-service.js';
import { originRule } from '../cors.js';
import { HONEYPOT_FIELD } from '../../domain/comment.js';
import { AppError } from '../../domain/errors.js';
import { AWAITING_MODERATION, publicStatus, toThreadResponse, type PublicComment, type PublicStatus, type ThreadResponse } from '../readers/dto.js';
import { statusOf } from '../error-handler.js';
import { html, pageCsp, trustedHtml, type Html } from '../html.js';
import { requestContext } from '../readers/routes.js';
import type { RateLimiters } from '../rate-limit.js';
import { SITE_CSS, SITE_CSS_HASH } from './style.js';
import { LIMITS, parseListThread, parsePostComment } from '../readers/validation.js';

export interface ThreadPageDeps {
  service: CommentService;
  rateLimiters?: RateLimiters | undefined;
  /** The readers' API origin rule applies to the form post too (config.allowedOrigins; null: any origin). */
  allowedOrigins?: readonly string[] | null;
  publicUrl?: string | null;
  /** The cache's fast path for plain page views (http/readers/cached-read.ts); it passes on whatever it does not serve. */
  cached?: RequestHandler | undefined;
}

export const THREAD_PAGE_PATH = '/threads/html';
export const THREAD_PAGE_SIZE = 50;
const PAGE_SIZE = THREAD_PAGE_SIZE;
const CSP = pageCsp({ styleSources: [SITE_CSS_HASH] });
const FORM_BODY_LIMIT = '32kb';

const FIELDS = ['body', 'name', 'email', 'website'] as const;
type Field = (typeof FIELDS)[number];
interface Selector {
  url?: string | undefined;
  threadId?: string | undefined;
}
export interface View {
  sel: Selector;
  sort: 'oldest' | 'newest';
  cursor?: string | undefined;
  replyTo?: string | undefined;
  posted?: PublicStatus | undefined;
  form?: { values: Partial<Record<Field, string>>; errors: Record<string, string>; message: string; notifyReplies?: boolean };
}
/** What the form needs from the service (its issueFormToken answer): the token, and whether to offer the "Notify me" box. */
export interface FormOffer {
  token: string;
  /** Reader reply notifications are on (REPLY_NOTIFICATIONS, mail and PUBLIC_URL configured). */
  notifyReplies: boolean;
}
/** The widget's English words (web/embed/i18n.ts), like the rest of this page. */
export const NOTIFY_LABEL = 'Notify me of follow-up replies by email';
const NOTIFY_FIELD = 'notifyReplies';

const MESSAGES: Record<string, Partial<Record<Field, string>> & { any: string }> = {
  required: { name: 'Please enter your name.', email: 'Please enter your email address.', body: 'Please write a comment.', any: 'This field is required.' },
  invalid: {
    email: 'Please enter a valid email address, like name@example.com.',
    website: 'Please enter a web address starting with http:// or https://.',
    any: 'Please check this field.',
  },
  too_long: { any: 'This is too long.' },
};

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export function threadPageHref(sel: Selector, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ url: sel.url, threadId: sel.threadId, ...extra })) if (v) q.set(k, v);
  return `${THREAD_PAGE_PATH}?${q.toString()}`;
}

const DATE = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });

function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="strict-origin-when-cross-origin">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${trustedHtml(SITE_CSS)}</style>
</head>
<body class="t">
<main class="wrap">
${body}
</main>
</body>
</html>
`.value;
}

export const THREAD_PAGE_HEADERS = { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' } as const;

function send(res: Response, status: number, title: string, body: Html): void {
  res.status(status).set(THREAD_PAGE_HEADERS).send(page(title, body));
}

/** The whole page for a thread that loaded (what show() sends with status 200). */
export function threadPageHtml(thread: ThreadResponse, offer: FormOffer, v: View): string {
  return page(`Comments on ${thread.thread.url ?? thread.thread.key}`, render(thread, offer, v));
}

/** The view of a GET, read the way the route below reads it. */
export function threadPageView(query: Record<string, unknown>): View {
  const q = query;
  const posted = q.posted === 'approved' || q.posted === 'pending' ? q.posted : undefined;
  return {
    sel: { url: text(q.url), threadId: text(q.threadId) },
    sort: q.sort === 'newest' ? 'newest' : 'oldest',
    cursor: text(q.cursor),
    replyTo: text(q.replyto),
    posted,
  };
}

function findComment(list: PublicComment[], id: string): PublicComment | undefined {
  for (const c of list) {
    if (c.id === id) return c;
    const found = findComment(c.replies ?? [], id);
    if (found) return found;
  }
  return undefined;
}

function commentItem(c: PublicComment, v: View): Html {
  const kids = c.replies?.length ? html`<ol class="kids">${c.replies.map((r) => commentItem(r, v))}</ol>` : '';
  if (c.deleted || !c.author) return html`<li class="c" id="c-${c.id}"><article><p class="del">[deleted]</p></article>${kids}</li>`;
  const site = c.author.website;
  const who = site && /^https?:\/\//i.test(site) ? html`<a href="${site}" rel="nofollow ugc noopener noreferrer">${c.author.name}</a>` : c.author.name;
  const reply = threadPageHref(v.sel, { sort: v.sort === 'newest' ? 'newest' : undefined, cursor: v.cursor, replyto: c.id });
  return html`<li class="c" id="c-${c.id}"><article>
<p class="meta"><span class="who">${who}</span>${c.author.moderator ? html` <span class="mod">Moderator</span>` : ''} · <a class="when" href="#c-${c.id}"><time datetime="${c.createdAt}">${DATE.format(new Date(c.createdAt))} UTC</time></a>${
    c.editedAt ? html` <span class="ed">(edited)</span>` : ''
  }</p>
<div class="body">${trustedHtml(c.html)}</div>
<p class="acts"><a href="${reply}#respond" aria-label="Reply to ${c.author.name}">Reply</a></p>
</article>${kids}</li>`;
}

function field(f: Field, label: string, v: View, opts: { type?: string; required?: boolean; autocomplete?: string }): Html {
  const value = v.form?.values[f] ?? '';
  const code = v.form?.errors[f];
  const message = code ? (MESSAGES[code]?.[f] ?? MESSAGES[code]?.any ?? 'Please check this field.') : null;
  const described = [f === 'email' ? 'notes' : '', code ? `e-${f}` : ''].filter(Boolean).join(' ') || null;
  const attrs = html`id="${f}" name="${f}"${opts.required ? html` required` : ''}${code ? html` aria-invalid="true"` : ''}${
    described ? html` aria-describedby="${described}"` : ''
  }`;
  const control =
    f === 'body'
      ? html`<textarea ${attrs} rows="8">${value}</textarea>`
      : html`<input ${attrs} type="${opts.type ?? 'text'}" value="${value}" autocomplete="${opts.autocomplete ?? 'off'}">`;
  return html`<div class="f"><label for="${f}">${label}${opts.required ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label>
${control}${message ? html`<p class="err" id="e-${f}">${message}</p>` : ''}</div>`;
}

function notifyBox(v: View): Html {
  return html`<div class="f chk"><input id="${NOTIFY_FIELD}" name="${NOTIFY_FIELD}" type="checkbox" value="on"${v.form?.notifyReplies ? html` checked` : ''}> <label for="${NOTIFY_FIELD}">${NOTIFY_LABEL}</label></div>`;
}

function render(thread: ThreadResponse, offer: FormOffer, v: View): Html {
  const target = v.replyTo ? findComment(thread.comments, v.replyTo) : undefined;
  const replyTo = target && !target.deleted && target.author ? target : undefined;
  const n = thread.thread.commentCount;
  const articleUrl = thread.thread.url;
  const outcome = v.form
    ? html`<p class="outcome bad" role="alert">${v.form.message}</p>`
    : v.posted
      ? html`<p class="outcome" role="status">${v.posted === 'pending' ? AWAITING_MODERATION : 'Your comment has been published.'}</p>`
      : '';
  const sortLink = (s: 'oldest' | 'newest', label: string) =>
    v.sort === s ? html`<strong aria-current="true">${label}</strong>` : html`<a href="${threadPageHref(v.sel, { sort: s === 'newest' ? 'newest' : undefined })}">${label}</a>`;
  const next = thread.nextCursor
    ? html`<p class="nav"><a rel="next" href="${threadPageHref(v.sel, { sort: v.sort === 'newest' ? 'newest' : undefined, cursor: thread.nextCursor })}">More comments</a></p>`
    : '';
  return html`
${articleUrl ? html`<p class="nav"><a href="${articleUrl}">← Back to the article</a></p>` : ''}
<h1>${n === 1 ? '1 comment' : `${n} comments`}</h1>
${v.posted && !v.form ? outcome : ''}
<p class="nav">Sort by: ${sortLink('oldest', 'Oldest')} ${sortLink('newest', 'Newest')}</p>
${thread.comments.length ? html`<ol class="list">${thread.comments.map((c) => commentItem(c, v))}</ol>` : thread.thread.locked ? '' : html`<p>No comments yet. Be the first to share your thoughts.</p>`}
${next}
${thread.thread.locked ? html`<p class="outcome" id="respond">Comments are closed.</p>` : html`<section id="respond" aria-labelledby="reply-title">
<h2 id="reply-title">${replyTo ? html`Reply to ${replyTo.author!.name}` : 'Leave a Reply'}${
    replyTo ? html` <small><a href="${threadPageHref(v.sel)}#respond">Cancel reply</a></small>` : ''
  }</h2>
${v.form ? outcome : ''}
<form method="post" action="${THREAD_PAGE_PATH}">
<input type="hidden" name="url" value="${v.sel.url ?? ''}">
${v.sel.threadId ? html`<input type="hidden" name="threadId" value="${v.sel.threadId}">` : ''}
<input type="hidden" name="formToken" value="${offer.token}">
${replyTo ? html`<input type="hidden" name="parentId" value="${replyTo.id}">` : ''}
<p class="notes" id="notes">Your email address will not be published. Required fields are marked <span class="req">*</span></p>
${field('body', 'Comment', v, { required: true })}
${field('name', 'Name', v, { required: true, autocomplete: 'name' })}
${field('email', 'Email', v, { type: 'email', required: true, autocomplete: 'email' })}
${field('website', 'Website', v, { type: 'url', autocomplete: 'url' })}
${offer.notifyReplies ? notifyBox(v) : ''}
<p hidden><label for="${HONEYPOT_FIELD}">Leave this field empty</label> <input id="${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" type="text" value="" tabindex="-1" autocomplete="off"></p>
<p><button type="submit">Post Comment</button></p>
</form>
</section>`}`;
}

export function threadPage(deps: ThreadPageDeps): Router {
  const { service, rateLimiters, allowedOrigins = null, publicUrl = null } = deps;
  const router = Router();
  const rule = originRule({ allowedOrigins, publicUrl });
  // Another site could auto-submit this form from its visitors' browsers (no preflight guards a form post).
  const sameRuleAsApi: RequestHandler = (req, res, next) => {
    if (rule(req).kind !== 'refused') return next();
    send(res, 403, 'Comments', html`<h1>Comments</h1><p class="outcome bad" role="alert">Comments cannot be posted to this site from another site.</p>`);
  };

  async function show(res: Response, status: number, v: View): Promise<void> {
    let thread: ThreadResponse;
    let offer: FormOffer;
    try {
      const input = parseListThread({ ...v.sel, sort: v.sort, limit: String(PAGE_SIZE), cursor: v.cursor });
      thread = toThreadResponse(await service.listThread(input));
      offer = service.issueFormToken(v.sel);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const hint = html`<p>Open this page as <code>${THREAD_PAGE_PATH}?url=</code> followed by the article's address.</p>`;
      send(res, statusOf(err.code), 'Comments', html`<h1>Comments</h1><p class="outcome bad" role="alert">${err.message}</p>${err.code === 'validation_failed' ? hint : ''}`);
      return;
    }
    res.status(status).set(THREAD_PAGE_HEADERS).send(threadPageHtml(thread, offer, v));
  }

  const readLimit: RequestHandler[] = rateLimiters ? [rateLimiters.read] : [];
  const cached: RequestHandler[] = deps.cached ? [deps.cached] : [];
  router.get(THREAD_PAGE_PATH, ...readLimit, ...cached, async (req, res) => {
    await show(res, 200, threadPageView(req.query as Record<string, unknown>));
  });

  const postLimits: RequestHandler[] = rateLimiters ? rateLimiters.postPerIp : [];
  const emailLimit: RequestHandler[] = rateLimiters ? [rateLimiters.postPerEmail] : [];
  router.post(
    THREAD_PAGE_PATH,
    sameRuleAsApi,
    ...postLimits,
    express.urlencoded({ limit: FORM_BODY_LIMIT, extended: false, parameterLimit: 50 }),
    ...emailLimit,
    async (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const sel = { url: text(body.url), threadId: text(body.threadId) };
      try {
        const { comment } = await service.postComment(parsePostComment(body), requestContext(req));
        const status = publicStatus(comment.status);
        res.redirect(303, `${threadPageHref(sel, { posted: status })}${status === 'approved' ? `#c-${comment.id}` : '#respond'}`);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const values: Partial<Record<Field, string>> = {};
        for (const f of FIELDS) {
          const raw = body[f];
          if (typeof raw === 'string') values[f] = raw.slice(0, f === 'body' ? LIMITS.bodyChars * 2 : LIMITS.websiteChars);
        }
        const errors = err.fields ?? {};
        const inForm = Object.keys(errors).some((k) => (FIELDS as readonly string[]).includes(k));
        const message = err.code === 'validation_failed' && inForm ? 'Please correct the marked fields.' : err.message;
        const notifyReplies = body[NOTIFY_FIELD] === 'on';
        await show(res, statusOf(err.code), { sel, sort: 'oldest', replyTo: text(body.parentId), form: { values, errors, message, notifyReplies } });
      }
    },
  );

  return router;
}
