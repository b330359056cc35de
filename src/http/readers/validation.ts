/** Request → domain input. The only place that reads the shapes of req.body and req.query. */
import { z } from 'zod';
import { ValidationError, type FieldErrors } from '../../domain/errors.js';
import type { ListThreadInput, OwnCommentRef, PostCommentInput } from '../../comments/comment-service.js';
import { HONEYPOT_FIELD } from '../../domain/comment.js';

export const LIMITS = {
  nameChars: 100,
  emailChars: 254,
  bodyChars: 10_000,
  websiteChars: 2048,
  countUrls: 100,
  pageDefault: 50,
  pageMax: 100,
  ownComments: 100,
} as const;

const chars = (s: string) => [...s].length;

/**
 * Characters a name or web address never needs: control characters (C0 with tab and newlines, DEL, C1), lone
 * surrogates (not storable as UTF-8) and the bidi embeddings/overrides/isolates (U+202A–202E, U+2066–2069) that can
 * make a name read as something else, or reverse the text after it.
 */
const NOT_IN_LINE = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;
/** A comment body keeps tab and newlines; other control characters (NUL first of all) and lone surrogates are refused. */
const NOT_IN_BODY = /[\p{Cs}\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
export const cleanLine = (s: string): boolean => !NOT_IN_LINE.test(s);
export const cleanBody = (s: string): boolean => !NOT_IN_BODY.test(s);

/** Form posts send empty strings for fields left blank: treat them as absent. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const requiredText = (max: number, clean: (s: string) => boolean) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? 'required' : 'invalid') })
    .trim()
    .min(1, 'required')
    .refine((s) => chars(s) <= max, 'too_long')
    .refine(clean, 'invalid')
    // For the API description only (JSON Schema counts code points too); validation is the refine above.
    .meta({ maxLength: max });

const email = z
  .string({ error: (iss) => (iss.input === undefined ? 'required' : 'invalid') })
  .trim()
  .min(1, 'required')
  .max(LIMITS.emailChars, 'too_long')
  .pipe(z.email({ error: 'invalid' }));

const website = z.preprocess(
  blankToUndefined,
  z
    .string({ error: 'invalid' })
    .trim()
    .max(LIMITS.websiteChars, 'too_long')
    // Before URL parsing, which would drop tabs and newlines and percent-encode the rest.
    .refine(cleanLine, 'invalid')
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
      } catch {
        return false;
      }
    }, 'invalid')
    .optional(),
);

const optionalString = (max: number) =>
  z.preprocess(blankToUndefined, z.string({ error: 'invalid' }).trim().max(max, 'too_long').optional());

const postCommentObject = z
  .object({
    url: optionalString(LIMITS.websiteChars),
    threadId: optionalString(200),
    name: requiredText(LIMITS.nameChars, cleanLine),
    email,
    website,
    body: requiredText(LIMITS.bodyChars, cleanBody),
    parentId: optionalString(64),
    formToken: optionalString(128),
    commenterToken: optionalString(128),
    // Chosen by the client per submission (random, 16+ characters): a retry with it gets the original comment back.
    idempotencyKey: z.string({ error: 'invalid' }).regex(/^[A-Za-z0-9_-]{16,128}$/, 'invalid').optional(),
    // Mail me replies (double opt-in). A form's checkbox sends "on" or "true"; JSON sends a boolean.
    notifyReplies: z.preprocess(
      (v) => (v === 'on' || v === 'true' || v === '1' ? true : v === 'false' || v === '0' || v === '' ? false : v),
      z.boolean({ error: 'invalid' }).optional(),
    ),
    // The widget's language (en, zh-CN, es, fr, de…): reader mails and pages of this subscription use it.
    lang: z.preprocess(blankToUndefined, z.string({ error: 'invalid' }).regex(/^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,2}$/, 'invalid').optional()),
    // The honeypot keeps whatever a bot put in it (blank means untouched); its content is never validated.
    [HONEYPOT_FIELD]: z.preprocess((v) => (typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v)), z.string().max(10_000).optional()),
  })
  .strict();
const postComment = postCommentObject.transform(({ [HONEYPOT_FIELD]: honeypot, ...rest }) => ({ ...rest, honeypot }));
/** A signed-in commenter's post: name and email come from the sign-in, so the form sends neither. */
const postCommentSignedIn = postCommentObject
  .omit({ name: true, email: true })
  .strict()
  .transform(({ [HONEYPOT_FIELD]: honeypot, ...rest }) => ({ ...rest, honeypot, name: '', email: '' }));

/** A page size in a query string: 1-100, 50 when absent. */
const pageLimit = z.preprocess(
  blankToUndefined,
  z
    .string({ error: 'invalid' })
    .regex(/^\d+$/, 'invalid')
    .transform(Number)
    .refine((n) => n >= 1 && n <= LIMITS.pageMax, 'invalid')
    .default(LIMITS.pageDefault),
);

/** POST /sso/session: the payload the host site signed. */
const ssoSession = z.object({ token: z.string({ error: (iss) => (iss.input === undefined ? 'required' : 'invalid') }).min(1, 'required').max(4096, 'too_long') }).strict();

/** GET /me/comments: a page of one's own comments. */
const myComments = z.object({
  cursor: optionalString(512),
  limit: pageLimit,
});

const editComment = z.object({ body: requiredText(LIMITS.bodyChars, cleanBody) }).strict();

const ownComments = z
  .object({
    comments: z
      .array(z.object({ id: z.string().min(1).max(64), editToken: z.string().min(1).max(128) }).strict(), { error: 'invalid' })
      .max(LIMITS.ownComments, 'too_long'),
  })
  .strict();

const threadOnly = z.object({ url: optionalString(LIMITS.websiteChars), threadId: optionalString(200) });

const listThread = z.object({
  url: optionalString(LIMITS.websiteChars),
  threadId: optionalString(200),
  sort: z.preprocess(blankToUndefined, z.enum(['oldest', 'newest'], { error: 'invalid' }).default('oldest')),
  limit: pageLimit,
  cursor: optionalString(512),
});

const counts = z.object({
  url: z
    .union([z.string(), z.array(z.string())], { error: 'required' })
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .refine((a) => a.length >= 1 && a.length <= LIMITS.countUrls, `between 1 and ${LIMITS.countUrls} urls`),
});

/** The request schemas, exported for the API description (src/http/ops/openapi.ts); parse with the functions below. */
export const schemas = { postComment, postCommentSignedIn, ssoSession, myComments, editComment, ownComments, threadOnly, listThread, counts, preview: editComment } as const;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** Every bad field at once, each with a short stable code: required, invalid, too_long, unknown_field. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // A key can be the client's own data (JSON sent as a form: the whole text is one key): name back field names only.
      for (const key of issue.keys) fields[FIELD_NAME.test(key) ? key : '(other)'] ??= 'unknown_field';
      continue;
    }
    const key = issue.path.length > 0 ? issue.path.join('.') : 'body';
    fields[key] ??= issue.message;
  }
  return fields;
}

type Extra = (input: Record<string, unknown>) => FieldErrors;

function parse<S extends z.ZodType>(schema: S, input: unknown, extra?: Extra): z.output<S> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError({ body: 'invalid' }, 'The request body must be a JSON object or a form.');
  }
  const result = schema.safeParse(input);
  const fields = { ...extra?.(input as Record<string, unknown>), ...(result.success ? {} : fieldErrors(result.error)) };
  if (!result.success || Object.keys(fields).length > 0) throw new ValidationError(fields);
  return result.data;
}

/** A thread is named by its article url or an explicit threadId. */
const threadRequired: Extra = (input): FieldErrors =>
  blankToUndefined(input.url) === undefined && blankToUndefined(input.threadId) === undefined ? { url: 'required' } : {};

export function parsePostComment(body: unknown): PostCommentInput {
  return parse(postComment, body, threadRequired);
}

/** A signed-in post: name and email are filled in by the service from the commenter. */
export function parsePostCommentSignedIn(body: unknown): PostCommentInput {
  return parse(postCommentSignedIn, body, threadRequired);
}

export function parseSsoSession(body: unknown): string {
  return parse(ssoSession, body).token;
}

export function parseMyComments(query: unknown): { cursor?: string | undefined; limit: number } {
  return parse(myComments, query);
}

export function parseOwnComments(body: unknown): OwnCommentRef[] {
  return parse(ownComments, body).comments;
}

export function parseThreadSelector(query: unknown): { url?: string | undefined; threadId?: string | undefined } {
  return parse(threadOnly, query, threadRequired);
}

export function parseEditComment(body: unknown): { body: string } {
  return parse(editComment, body);
}

/** POST /preview: the same body rules as a comment's text. */
export function parsePreview(body: unknown): { body: string } {
  return parse(editComment, body);
}

export function parseListThread(query: unknown): ListThreadInput {
  return parse(listThread, query, threadRequired);
}

export function parseCounts(query: unknown): string[] {
  return parse(counts, query).url;
}

/** The bearer token of an Authorization header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}
