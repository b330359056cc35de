/** Admin API request shapes (zod). Exported for the OpenAPI document. */
import { z } from 'zod';
import { COMMENT_STATUSES } from '../../domain/comment.js';
import { ValidationError } from '../../domain/errors.js';
import { MODERATION_ACTIONS, type EraseMode, type ModerationAction } from '../../domain/moderation.js';
import type { PageCursor } from '../../storage/storage.js';
import { decodeCursor } from '../../comments/comment-service.js';
import { cleanBody, fieldErrors, LIMITS } from '../readers/validation.js';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = (max: number) => z.preprocess(blank, z.string({ error: 'invalid' }).trim().max(max, 'too_long').optional());
const reason = z.preprocess(blank, z.string({ error: 'invalid' }).trim().max(500, 'too_long').optional());
const pageLimit = z.preprocess(
  blank,
  z.string({ error: 'invalid' }).regex(/^\d+$/, 'invalid').transform(Number).refine((n) => n >= 1 && n <= 200, 'invalid').default(50),
);

export const adminSchemas = {
  queueQuery: z.object({
    status: z.preprocess(blank, z.enum(COMMENT_STATUSES, { error: 'invalid' }).default('pending')),
    url: optionalText(LIMITS.websiteChars),
    threadId: optionalText(200),
    q: optionalText(200),
    cursor: optionalText(512),
    limit: pageLimit,
  }),
  action: z.enum(MODERATION_ACTIONS, { error: 'invalid' }),
  actionBody: z.object({ reason }).strict(),
  bulkBody: z
    .object({
      ids: z.array(z.string().min(1).max(64), { error: 'invalid' }).min(1, 'required').max(100, 'too_long'),
      action: z.enum(MODERATION_ACTIONS, { error: 'invalid' }),
      reason,
    })
    .strict(),
  editBody: z
    .object({
      body: z
        .string({ error: (i) => (i.input === undefined ? 'required' : 'invalid') })
        .trim()
        .min(1, 'required')
        .max(LIMITS.bodyChars, 'too_long')
        .refine(cleanBody, 'invalid'),
      reason,
    })
    .strict(),
  replyBody: z
    .object({
      body: z
        .string({ error: (i) => (i.input === undefined ? 'required' : 'invalid') })
        .trim()
        .min(1, 'required')
        .max(LIMITS.bodyChars, 'too_long')
        .refine(cleanBody, 'invalid'),
    })
    .strict(),
  threadQuery: z.object({ url: optionalText(LIMITS.websiteChars), threadId: optionalText(200) }),
  lockBody: z.object({ locked: z.boolean({ error: (i) => (i.input === undefined ? 'required' : 'invalid') }), reason }).strict(),
  threadsQuery: z.object({
    sort: z.preprocess(blank, z.enum(['recent'], { error: 'invalid' }).default('recent')),
    cursor: optionalText(512),
    limit: pageLimit,
  }),
  banBody: z
    .object({
      email: z.preprocess(blank, z.string().trim().max(LIMITS.emailChars, 'too_long').pipe(z.email({ error: 'invalid' })).optional()),
      // An address or a prefix (`2001:db8::/48`); domain/ban.ts parses it (zod's ipv6 accepts zone ids).
      ip: z.preprocess(blank, z.string({ error: 'invalid' }).trim().max(64, 'invalid').optional()),
      domain: z.preprocess(blank, z.string({ error: 'invalid' }).trim().max(253, 'too_long').optional()),
      reason,
      expiresAt: z.preprocess(blank, z.iso.datetime({ offset: true, error: 'invalid' }).optional()),
    })
    .strict(),
  auditQuery: z.object({ commentId: optionalText(64), cursor: optionalText(512), limit: pageLimit }),
  exportQuery: z.object({
    email: z.string({ error: 'required' }).trim().min(1, 'required').max(LIMITS.emailChars, 'too_long').pipe(z.email({ error: 'invalid' })),
  }),
  eraseBody: z
    .object({
      email: z.string({ error: 'required' }).trim().min(1, 'required').max(LIMITS.emailChars, 'too_long').pipe(z.email({ error: 'invalid' })),
      mode: z.preprocess(blank, z.enum(['delete', 'anonymize'], { error: 'invalid' }).default('delete')),
    })
    .strict(),
};

export function parseAdmin<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw new ValidationError(fieldErrors(result.error));
  return result.data;
}

export function parseCursor(raw: string | undefined): PageCursor | null {
  return raw ? decodeCursor(raw) : null;
}

export function parseAction(raw: string): ModerationAction {
  const r = adminSchemas.action.safeParse(raw);
  if (!r.success) throw new ValidationError({ action: 'invalid' }, `Unknown action; use one of ${MODERATION_ACTIONS.join(', ')}.`);
  return r.data;
}

export type { EraseMode };
