/**
 * The moderators' API in the OpenAPI document: request shapes from admin/validation.ts (the schemas that parse them),
 * responses mirroring admin/dto.ts (the compiler checks the mirrors). app.ts adds `adminApi` to the document.
 * A new admin route needs its operation here; tests/http/openapi.test.ts fails on an answer the document lacks.
 */
import { z } from 'zod';
import type { BulkResult } from '../../comments/moderation-service.js';
import { BAN_KINDS } from '../../domain/ban.js';
import { COMMENT_STATUSES } from '../../domain/comment.js';
import type { AdminAuditEntry, AdminBan, AdminComment, AdminQueueResponse, AdminThread } from './dto.js';
import { adminSchemas as S } from './validation.js';
import { deliveriesQuery, type AdminWebhookDelivery } from './webhooks.js';
import { MODERATOR_ROLES } from '../../domain/moderator.js';
import { accountSchemas as AS } from './account-validation.js';
import { ADMIN_SESSION_COOKIE, CSRF_HEADER } from './auth.js';
import type { AdminModerator } from './moderator-routes.js';
import type { AdminSessionResponse } from './session-routes.js';
import { errorResponse as error, type ApiSection, type OperationSpec, type ResponseSpec, type Same } from '../ops/openapi.js';

const isoDate = z.iso.datetime({ offset: false });
const status = z.enum(COMMENT_STATUSES);
const statusCounts = z.record(status, z.int().min(0));

export const AdminCommentSchema = z.object({
  id: z.string(),
  threadKey: z.string(),
  threadUrl: z.string().nullable(),
  parentId: z.string().nullable(),
  parent: z
    .object({ id: z.string(), author: z.string(), excerpt: z.string().describe('The start of its text, at most 200 characters.'), status })
    .nullable()
    .describe('The comment this one answers; null for a top-level comment.'),
  status,
  author: z.object({ name: z.string(), email: z.string(), website: z.string().nullable(), avatar: z.string(), moderator: z.boolean().describe("A moderator's reply.") }),
  ip: z.string().nullable().describe('Until erased after RETENTION_DAYS.'),
  userAgent: z.string().nullable(),
  referrer: z.string().nullable(),
  body: z.string(),
  html: z.string().describe('The sanitised HTML: the only form of the text the moderation page renders.'),
  createdAt: isoDate,
  editedAt: isoDate.nullable(),
  spam: z.object({ check: z.enum(['none', 'checked', 'unchecked']), reasons: z.array(z.string()).describe('Stable codes.'),
    reasonText: z.array(z.string()).describe('The same reasons in words a moderator understands, one per code.'),
    nextRecheckAt: isoDate.nullable() }),
  history: z.array(z.object({ body: z.string(), editedAt: isoDate, by: z.enum(['author', 'moderator']) })),
  previousBody: z.string().nullable().describe('The text before the latest edit; null if never edited.'),
  previousHtml: z.string().nullable().describe('previousBody as sanitised HTML.'),
});

export const AdminWebhookDeliverySchema = z.object({
  id: z.string().describe('Also the webhook-id header the receiver saw.'),
  event: z.string(),
  url: z.string(),
  commentId: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.int().min(0),
  lastError: z.string().nullable(),
  nextAt: isoDate,
  createdAt: isoDate,
  deliveredAt: isoDate.nullable(),
}) satisfies z.ZodType<AdminWebhookDelivery>;

export const AdminQueueResponseSchema = z.object({ comments: z.array(AdminCommentSchema), counts: statusCounts, nextCursor: z.string().nullable() });

export const AdminThreadSchema = z.object({
  key: z.string(),
  url: z.string().nullable(),
  locked: z.boolean(),
  createdAt: isoDate,
  lastCommentAt: isoDate.nullable(),
  counts: statusCounts.optional(),
});

export const AdminAuditEntrySchema = z.object({
  id: z.string(),
  actor: z.string().describe("The label of the moderator's token."),
  action: z.string(),
  commentId: z.string().nullable(),
  threadKey: z.string().nullable(),
  from: status.nullable(),
  to: status.nullable(),
  reason: z.string().nullable(),
  at: isoDate,
});

export const AdminBanSchema = z.object({
  id: z.string(),
  kind: z.enum(BAN_KINDS),
  prefix: z.number().int().nullable(),
  reason: z.string().nullable(),
  createdAt: isoDate,
  expiresAt: isoDate.nullable(),
  actor: z.string(),
});

export const BulkResultSchema = z.object({ id: z.string(), ok: z.boolean(), status: status.optional(), error: z.string().optional() });

const AdminCommentResponse = z.object({ comment: AdminCommentSchema });

export const AdminModeratorSchema = z.object({
  id: z.string(),
  email: z.string().describe('Shown to admins only; never in a public response or a log line.'),
  name: z.string(),
  role: z.enum(MODERATOR_ROLES),
  disabled: z.boolean(),
  createdAt: isoDate,
  updatedAt: isoDate,
}) satisfies z.ZodType<AdminModerator>;
const AdminModeratorResponse = z.object({ moderator: AdminModeratorSchema });

export const AdminSessionSchema = z.object({
  moderator: z.object({ id: z.string().nullable().describe('null for a token.'), name: z.string(), role: z.enum(MODERATOR_ROLES) }),
  via: z.enum(['token', 'session']),
  csrfToken: z.string().nullable().describe(`Send it as ${CSRF_HEADER} on every state-changing request with the session cookie (null for a token).`),
  expiresAt: isoDate.nullable().describe('When the session ends at the latest (ADMIN_SESSION_HOURS); null for a token.'),
}) satisfies z.ZodType<AdminSessionResponse>;

const mirrors: [
  Same<z.output<typeof AdminCommentSchema>, AdminComment>,
  Same<z.output<typeof AdminQueueResponseSchema>, AdminQueueResponse>,
  Same<z.output<typeof AdminThreadSchema>, AdminThread>,
  Same<z.output<typeof AdminAuditEntrySchema>, AdminAuditEntry>,
  Same<z.output<typeof AdminBanSchema>, AdminBan>,
  Same<z.output<typeof BulkResultSchema>, BulkResult>,
] = [true, true, true, true, true, true];
void mirrors;

const COMMON: Record<number, ResponseSpec> = {
  401: error('unauthorized: sign in (session cookie) or send a valid moderator token.'),
  429: error('rate_limited: too many admin requests from this address (RATE_LIMIT_ADMIN_PER_MINUTE).'),
  500: error('internal_error.'),
  503: error('storage_unavailable: the store (or the shared rate-limit store) does not answer.'),
};
const BODY: Record<number, ResponseSpec> = {
  400: error('validation_failed (per-field codes) or invalid_json.'),
  413: error('payload_too_large.'),
  415: error('unsupported_media_type: send application/json.'),
};
const JSON_ONLY = ['application/json'];

const op = (spec: Omit<OperationSpec, 'tags' | 'security'>): OperationSpec => ({
  ...spec,
  path: `/api/v1/admin${spec.path}`,
  tags: ['admin'],
  security: ['adminToken', 'adminSession'],
  responses: { ...spec.responses, ...COMMON },
});
/** Bans, a person's data, webhooks and accounts: a moderator account of role `moderator` is refused. */
const ADMIN_ONLY: Record<number, ResponseSpec> = {
  403: error('role_required: only an admin (or a token) may do this; or csrf_failed (session without a valid X-CSRF-Token, or from another origin).'),
};
const CSRF: Record<number, ResponseSpec> = {
  403: error('csrf_failed: with the session cookie, a state-changing request needs X-CSRF-Token and this origin.'),
};

export const adminApi: ApiSection = {
  tags: [
    {
      name: 'admin',
      description:
        "Moderators' API: same-origin; a moderator account's session cookie (with X-CSRF-Token on state-changing requests) or a bearer token (ADMIN_TOKEN, acts as an admin); off (404) while there is neither a token nor an account.",
    },
  ],
  securitySchemes: {
    adminToken: { type: 'http', scheme: 'bearer', description: 'One of the ADMIN_TOKEN tokens (automation).' },
    adminSession: { type: 'apiKey', in: 'cookie', name: ADMIN_SESSION_COOKIE, description: 'The session cookie set by POST /api/v1/admin/session.' },
  },
  components: {
    AdminComment: AdminCommentSchema,
    AdminQueueResponse: AdminQueueResponseSchema,
    AdminThread: AdminThreadSchema,
    AdminAuditEntry: AdminAuditEntrySchema,
    AdminBan: AdminBanSchema,
    BulkResult: BulkResultSchema,
    AdminCommentResponse,
    AdminModerator: AdminModeratorSchema,
    AdminSession: AdminSessionSchema,
  },
  operations: [
    op({
      method: 'get',
      path: '/comments',
      operationId: 'adminQueue',
      summary: 'The moderation queue: comments in one status, newest first, optionally one thread’s, optionally searched.',
      query: S.queueQuery,
      responses: { 200: { description: 'A page, with the count of every status.', schema: AdminQueueResponseSchema }, 400: error('validation_failed.') },
    }),
    op({
      method: 'post',
      path: '/comments/bulk',
      operationId: 'adminBulk',
      summary: 'One action on up to 100 comments; each gets its own result.',
      body: { schema: S.bulkBody, contentTypes: JSON_ONLY },
      responses: { 200: { description: 'Per comment: ok, or the error code.', schema: z.object({ results: z.array(BulkResultSchema) }) }, ...BODY },
    }),
    op({
      method: 'post',
      path: '/comments/{id}/reply',
      operationId: 'adminReply',
      summary: "Reply as a moderator: published at once (never held), shown with a Moderator badge and the account's name (or the token's label); audited.",
      pathParams: { id: 'The id of the comment answered.' },
      body: { schema: S.replyBody, contentTypes: JSON_ONLY },
      responses: { 201: { description: 'The reply.', schema: AdminCommentResponse }, ...BODY, 404: error('comment_not_found.') },
    }),
    op({
      method: 'post',
      path: '/comments/{id}/{action}',
      operationId: 'adminAct',
      summary: 'Approve, reject, mark spam or ham (reported to Akismet), delete or restore a comment.',
      pathParams: { id: 'The comment id.', action: { description: 'What to do.', schema: S.action } },
      body: { schema: S.actionBody, contentTypes: JSON_ONLY },
      responses: {
        200: { description: 'The comment after the action.', schema: AdminCommentResponse },
        ...BODY,
        404: error('comment_not_found.'),
        409: error('conflict: the move is not allowed from the current status, or the comment changed meanwhile.'),
      },
    }),
    op({
      method: 'patch',
      path: '/comments/{id}',
      operationId: 'adminEdit',
      summary: "Edit a comment's body (kept in its history).",
      pathParams: { id: 'The comment id.' },
      body: { schema: S.editBody, contentTypes: JSON_ONLY },
      responses: {
        200: { description: 'The edited comment.', schema: AdminCommentResponse },
        ...BODY,
        404: error('comment_not_found.'),
        409: error('conflict: the comment changed meanwhile.'),
      },
    }),
    op({
      method: 'put',
      path: '/threads',
      operationId: 'adminLockThread',
      summary: 'Lock or unlock the thread named by url or threadId (created if it does not exist yet).',
      query: S.threadQuery,
      body: { schema: S.lockBody, contentTypes: JSON_ONLY },
      responses: { 200: { description: 'The thread.', schema: z.object({ thread: AdminThreadSchema }) }, ...BODY },
    }),
    op({
      method: 'get',
      path: '/threads',
      operationId: 'adminThreads',
      summary: 'Threads, most recently commented first.',
      query: S.threadsQuery,
      responses: {
        200: { description: 'A page.', schema: z.object({ threads: z.array(AdminThreadSchema), nextCursor: z.string().nullable() }) },
        400: error('validation_failed.'),
      },
    }),
    op({
      method: 'post',
      path: '/bans',
      operationId: 'adminBan',
      summary: 'Ban an email (any case, any +tag), a domain and its subdomains, or an IP (an IPv6 address bans its /64) or prefix; stored as a keyed hash only, optionally until a date.',
      body: { schema: S.banBody, contentTypes: JSON_ONLY },
      responses: { ...ADMIN_ONLY,  201: { description: 'The ban.', schema: z.object({ ban: AdminBanSchema }) }, ...BODY },
    }),
    op({
      method: 'get',
      path: '/bans',
      operationId: 'adminBans',
      summary: 'Every ban.',
      responses: { ...ADMIN_ONLY,  200: { description: 'The bans.', schema: z.object({ bans: z.array(AdminBanSchema) }) } },
    }),
    op({
      method: 'delete',
      path: '/bans/{id}',
      operationId: 'adminUnban',
      summary: 'Lift a ban.',
      pathParams: { id: 'The ban id.' },
      responses: { ...ADMIN_ONLY,  204: { description: 'Lifted.' }, 404: error('not_found: no such ban.') },
    }),
    op({
      method: 'get',
      path: '/audit',
      operationId: 'adminAudit',
      summary: "The audit log, newest first, optionally one comment's.",
      query: S.auditQuery,
      responses: {
        200: { description: 'A page.', schema: z.object({ entries: z.array(AdminAuditEntrySchema), nextCursor: z.string().nullable() }) },
        400: error('validation_failed.'),
      },
    }),
    op({
      method: 'get',
      path: '/authors/export',
      operationId: 'adminExportAuthor',
      summary: "Everything stored about one commenter's email (a GDPR access request), as a JSON download.",
      query: S.exportQuery,
      responses: { ...ADMIN_ONLY,
        200: {
          description: 'The export: comments and reply notifications (the opt-in of the address and the comments it follows).',
          schema: z.object({
            exportedAt: isoDate,
            comments: z.array(AdminCommentSchema),
            replyNotifications: z.object({
              address: z.object({ email: z.string(), lang: z.string(), askedAt: isoDate, confirmedAt: isoDate.nullable() }).nullable(),
              follows: z.array(z.object({ commentId: z.string(), threadKey: z.string(), lang: z.string(), since: isoDate })),
            }),
          }),
        },
        400: error('validation_failed.'),
      },
    }),
    op({
      method: 'post',
      path: '/authors/erase',
      operationId: 'adminEraseAuthor',
      summary: "Erase one commenter's personal data: delete their comments, or keep them anonymised; their reply subscriptions are removed either way.",
      body: { schema: S.eraseBody, contentTypes: JSON_ONLY },
      responses: { ...ADMIN_ONLY,  200: { description: 'How many comments were erased.', schema: z.object({ erased: z.int().min(0) }) }, ...BODY },
    }),
    op({
      method: 'get',
      path: '/webhooks/deliveries',
      operationId: 'adminWebhookDeliveries',
      summary: 'Webhook deliveries, newest first, with their outcome (pending, delivered, failed), attempts and last error.',
      query: deliveriesQuery,
      responses: { ...ADMIN_ONLY, 
        200: { description: 'A page.', schema: z.object({ deliveries: z.array(AdminWebhookDeliverySchema), nextCursor: z.string().nullable() }) },
        400: error('validation_failed.'),
      },
    }),
    op({
      method: 'post',
      path: '/webhooks/deliveries/{id}/retry',
      operationId: 'adminRetryWebhookDelivery',
      summary: 'Send a delivery again now (a failed one, or a delivered one the receiver lost); same webhook-id.',
      pathParams: { id: 'The delivery id (the webhook-id header).' },
      responses: { ...ADMIN_ONLY,  200: { description: 'The delivery, due now.', schema: z.object({ delivery: AdminWebhookDeliverySchema }) }, 404: error('not_found: no such webhook delivery.') },
    }),
    {
      method: 'post',
      path: '/api/v1/admin/session',
      operationId: 'adminSignIn',
      summary: 'Sign in with a moderator account: sets the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS, Path=/api/v1/admin) and returns the CSRF token. Rate limited per IP, and failures per account and IP and per account; audited.',
      tags: ['admin'],
      body: { schema: AS.signInBody, contentTypes: JSON_ONLY },
      responses: {
        200: { description: 'Signed in: a new session (any session the browser presented is ended).', schema: AdminSessionSchema },
        ...BODY,
        401: error('unauthorized: wrong email or password (the same answer for an unknown or disabled account).'),
        403: error('csrf_failed: posted from another origin.'),
        429: error('rate_limited: too many sign-in attempts (RATE_LIMIT_SIGNIN_*).'),
        500: error('internal_error.'),
        503: error('storage_unavailable.'),
      },
    },
    op({
      method: 'get',
      path: '/session',
      operationId: 'adminWhoAmI',
      summary: 'Who is signed in (account or token), and the CSRF token of the session.',
      responses: { 200: { description: 'The identity.', schema: AdminSessionSchema } },
    }),
    op({
      method: 'delete',
      path: '/session',
      operationId: 'adminSignOut',
      summary: 'Sign out: the session is revoked and the cookie cleared (a token request just answers 204).',
      responses: { 204: { description: 'Signed out.' }, ...CSRF },
    }),
    op({
      method: 'get',
      path: '/moderators',
      operationId: 'adminModerators',
      summary: 'Every moderator account, oldest first (admins only).',
      responses: { ...ADMIN_ONLY, 200: { description: 'The accounts.', schema: z.object({ moderators: z.array(AdminModeratorSchema) }) } },
    }),
    op({
      method: 'post',
      path: '/moderators',
      operationId: 'adminAddModerator',
      summary: 'Create a moderator account (admins only); the password is hashed with scrypt. Audited.',
      body: { schema: AS.moderatorBody, contentTypes: JSON_ONLY },
      responses: { ...ADMIN_ONLY, 201: { description: 'The account.', schema: AdminModeratorResponse }, ...BODY, 409: error('conflict: an account with this email exists.') },
    }),
    op({
      method: 'post',
      path: '/moderators/{id}/disable',
      operationId: 'adminDisableModerator',
      summary: 'Disable an account (admins only): its sessions end at once. The last enabled admin cannot be disabled.',
      pathParams: { id: 'The account id.' },
      responses: { ...ADMIN_ONLY, 200: { description: 'The account.', schema: AdminModeratorResponse }, 404: error('not_found.'), 409: error('conflict: the last enabled admin.') },
    }),
    op({
      method: 'post',
      path: '/moderators/{id}/enable',
      operationId: 'adminEnableModerator',
      summary: 'Enable a disabled account again (admins only).',
      pathParams: { id: 'The account id.' },
      responses: { ...ADMIN_ONLY, 200: { description: 'The account.', schema: AdminModeratorResponse }, 404: error('not_found.') },
    }),
    op({
      method: 'post',
      path: '/moderators/{id}/password',
      operationId: 'adminResetModeratorPassword',
      summary: "Set a new password for an account (admins only): its sessions end at once.",
      pathParams: { id: 'The account id.' },
      body: { schema: AS.passwordBody, contentTypes: JSON_ONLY },
      responses: { ...ADMIN_ONLY, 200: { description: 'The account.', schema: AdminModeratorResponse }, ...BODY, 404: error('not_found.') },
    }),
  ],
};
