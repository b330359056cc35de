/** The API description of the signed-in commenters' endpoints (identity-routes.ts); app.ts adds it to the document. */
import { z } from 'zod';
import { commentFields, errorResponse, PublicStatusSchema, type ApiSection, type Same } from '../ops/openapi.js';
import type { MyCommentsExport, MyCommentsResponse, SessionResponse } from './dto.js';
import { schemas } from './validation.js';

const isoDate = z.iso.datetime({ offset: false });

export const PublicCommenterSchema = z.object({
  name: z.string(),
  provider: z.enum(['sso', 'oidc']),
  badge: z.string().nullable(),
  avatarUrl: z.string().nullable(),
});

export const SessionResponseSchema = z.object({
  session: z.string().describe('Send as `Authorization: Bearer …`. Sealed (JWE): only this service can read it; it never carries a readable email.'),
  expiresAt: isoDate,
  commenter: PublicCommenterSchema,
});

const myComment = { status: PublicStatusSchema, threadKey: z.string(), url: z.string().nullable().describe("The article's URL, when known.") };
const MyCommentSchema = z.object({ ...commentFields, ...myComment });

export const MyCommentsResponseSchema = z.object({ comments: z.array(MyCommentSchema), nextCursor: z.string().nullable() });
export const MyCommentsExportSchema = z.object({
  exportedAt: isoDate,
  commenter: PublicCommenterSchema,
  comments: z.array(z.object({ ...commentFields, ...myComment, body: z.string().describe('The Markdown as written.') })),
});

const mirrors: [
  Same<z.output<typeof SessionResponseSchema>, SessionResponse>,
  Same<z.output<typeof MyCommentsResponseSchema>, MyCommentsResponse>,
  Same<z.output<typeof MyCommentsExportSchema>, MyCommentsExport>,
] = [true, true, true];
void mirrors;

const error = errorResponse;
const NEEDS_SESSION = error('sign_in_required: no session, or a forged, expired or signed-out one.');
const SERVER_ERRORS = { 500: error('internal_error.'), 503: error('storage_unavailable: try again shortly.') };

export const identityApi: ApiSection = {
  tags: [{ name: 'commenters', description: 'Signed-in commenters: host-site SSO, OpenID Connect sessions, and their own comments.' }],
  securitySchemes: {
    commenterSession: { type: 'http', scheme: 'bearer', description: 'The session from POST /api/v1/sso/session or the OpenID Connect popup.' },
  },
  components: { SessionResponse: SessionResponseSchema, MyCommentsResponse: MyCommentsResponseSchema, MyCommentsExport: MyCommentsExportSchema },
  operations: [
    {
      method: 'post',
      path: '/api/v1/sso/session',
      operationId: 'ssoSession',
      summary: "Trade the host site's signed payload (HS256 JWT or plain HMAC-SHA256, with SSO_SECRET) for a commenter session.",
      description: 'Each payload is accepted once (by `jti`), lives at most 10 minutes, and must be for the audience `parley`.',
      tags: ['commenters'],
      body: { schema: schemas.ssoSession, contentTypes: ['application/json'] },
      responses: {
        200: { description: 'The session; the commenter as readers will see them (never the email).', schema: SessionResponseSchema },
        400: error('validation_failed: no token.'),
        401: error('sso_invalid: a bad signature, an expired, too long-lived or replayed payload, or missing claims (named in fields).'),
        404: error('sign_in_unavailable: SSO_SECRET is not set.'),
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'get',
      path: '/api/v1/me',
      operationId: 'me',
      summary: 'Who the session signs in (checks a session the widget kept).',
      tags: ['commenters'],
      security: ['commenterSession'],
      responses: {
        200: { description: 'The commenter as readers see them.', schema: z.object({ commenter: PublicCommenterSchema }) },
        401: NEEDS_SESSION,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'delete',
      path: '/api/v1/me/session',
      operationId: 'signOut',
      summary: 'Sign out: the session is refused from now on, by every instance (shared through Redis when REDIS_URL is set).',
      tags: ['commenters'],
      security: ['commenterSession'],
      responses: {
        204: { description: 'Signed out.' },
        401: NEEDS_SESSION,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'get',
      path: '/api/v1/me/comments',
      operationId: 'listMyComments',
      summary: "The signed-in commenter's comments across the site, newest first (held ones marked pending).",
      tags: ['commenters'],
      security: ['commenterSession'],
      query: schemas.myComments,
      responses: {
        200: { description: 'A page; `nextCursor` fetches the next one.', schema: MyCommentsResponseSchema },
        400: error('validation_failed: a bad limit or cursor.'),
        401: NEEDS_SESSION,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'get',
      path: '/api/v1/me/comments/export',
      operationId: 'exportMyComments',
      summary: "Every comment of the signed-in commenter with its text, as a JSON download.",
      tags: ['commenters'],
      security: ['commenterSession'],
      responses: {
        200: { description: 'The export (Content-Disposition: attachment).', schema: MyCommentsExportSchema },
        401: NEEDS_SESSION,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'delete',
      path: '/api/v1/me/comments/{id}',
      operationId: 'deleteMyComment',
      summary: 'Delete one of your comments (no edit window applies); readers stop seeing it at once.',
      tags: ['commenters'],
      security: ['commenterSession'],
      pathParams: { id: 'The comment id.' },
      responses: {
        204: { description: 'Deleted.' },
        401: NEEDS_SESSION,
        404: error('comment_not_found: not one of yours, or already deleted.'),
        429: error('rate_limited.'),
        ...SERVER_ERRORS,
      },
    },
  ],
};
