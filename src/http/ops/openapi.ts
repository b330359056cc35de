/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /api/v1/openapi.json. Request shapes come from the same
 * zod schemas that validate requests (validation.ts `schemas`, read on their input side); responses are described by
 * the zod schemas below, which mirror dto.ts (the compiler checks they stay equal). zod 4's own `z.toJSONSchema()`
 * writes JSON Schema 2020-12, the dialect of OpenAPI 3.1.
 *
 * The document is assembled from sections: `publicApi` and `opsApi` here, and one section per other module that
 * owns routes (the admin API exports its own `ApiSection`, built from its own schemas). app.ts passes the sections to
 * `createOpenApiDocument([...])`.
 */
import { z } from 'zod';
import { HONEYPOT_FIELD } from '../../domain/comment.js';
import type { CountsResponse, EditCommentResponse, FormTokenResponse, OwnCommentsResponse, PostCommentResponse, PublicComment, ThreadResponse, ErrorResponse } from '../readers/dto.js';
import { schemas } from '../readers/validation.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** Omitted: no body (e.g. 204). */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

export interface OperationSpec {
  method: HttpMethod;
  /** An OpenAPI path template: /api/v1/comments/{id}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Names of security schemes in the section's (or another section's) `securitySchemes`; any one of them suffices. */
  security?: string[];
  /** Path parameters by name: a description (a plain string parameter), or a description and the schema that parses it. */
  pathParams?: Record<string, string | { description: string; schema: z.ZodType }>;
  /** The zod schema that parses req.query (an object); each property becomes a query parameter. */
  query?: z.ZodType;
  /** The zod schema that parses req.body, and the media types accepted (default: JSON and HTML forms). */
  body?: { schema: z.ZodType; contentTypes?: string[] };
  /** By status code, e.g. { 200: …, 400: … }. */
  responses: Record<number, ResponseSpec>;
}

export interface ApiSection {
  tags?: { name: string; description: string }[];
  /** Named response schemas, shown under components.schemas and referenced by $ref (nested ones too). */
  components?: Record<string, z.ZodType>;
  securitySchemes?: Record<string, { type: 'http'; scheme: 'bearer'; description: string } | { type: 'apiKey'; in: 'cookie'; name: string; description: string }>;
  operations: OperationSpec[];
}

export interface OpenApiOptions {
  /** PUBLIC_URL, when set, is the one server. */
  serverUrl?: string | null;
  version?: string;
}

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers?: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<HttpMethod, JsonSchema>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, object> };
}

const FORM_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

// ---------- response schemas (mirror dto.ts) ----------

const isoDate = z.iso.datetime({ offset: false });

export const PublicAuthorSchema = z.object({
  name: z.string(),
  website: z.string().nullable(),
  avatar: z.string().nullable().describe('Avatar key (identicon seed or Gravatar hash); never the email. Null while the comment is not public.'),
  moderator: z.literal(true).optional().describe("Present on a moderator's reply: show a Moderator badge; `name` is the moderator's display name."),
  badge: z.string().optional().describe("A commenter signed in by the host site: the site's badge (SSO_BADGE), shown next to the name."),
  avatarUrl: z.string().optional().describe("A signed-in commenter's https picture, shown instead of the generated avatar."),
});

export const commentFields = {
  id: z.string(),
  parentId: z.string().nullable(),
  author: PublicAuthorSchema.nullable().describe('Null for a "[deleted]" placeholder.'),
  html: z.string().describe('Rendered, sanitised HTML of the body.'),
  createdAt: isoDate,
  editedAt: isoDate.nullable(),
  deleted: z.literal(true).optional(),
};

export const PublicCommentSchema: z.ZodType<PublicComment> = z.object({
  ...commentFields,
  get replies() {
    return z.array(PublicCommentSchema).optional();
  },
});

export const PublicStatusSchema = z.enum(['approved', 'pending']).describe('A comment caught by the spam checks reads exactly like one awaiting moderation.');

export const ThreadResponseSchema = z.object({
  thread: z.object({ key: z.string(), url: z.string().nullable(), commentCount: z.int().min(0), locked: z.boolean() }),
  comments: z.array(PublicCommentSchema),
  nextCursor: z.string().nullable(),
});

export const PreviewResponseSchema = z.object({ html: z.string().describe('Sanitised HTML, rendered exactly as a published comment would be.') });

export const CountsResponseSchema = z.object({ counts: z.record(z.string(), z.int().min(0)) });

export const FormTokenResponseSchema = z.object({
  token: z.string(),
  minSubmitSeconds: z.int().min(0),
  expiresAt: isoDate,
  honeypotField: z.string().describe(`The hidden form field that must stay empty (${HONEYPOT_FIELD}).`),
  editWindowMinutes: z.int().min(0).describe('How long after posting the author may edit or delete with the edit token.'),
  notifyReplies: z.boolean().describe('Reader reply notifications are on: the form may offer "Notify me of follow-up replies by email" (send `notifyReplies: true`).'),
  signIn: z
    .object({
      guests: z.boolean().describe('false: GUEST_COMMENTS=off, only signed-in commenters may post.'),
      oidc: z.string().nullable().describe('The URL of the OpenID Connect sign-in popup, or null when it is not set up.'),
    })
    .optional(),
});

const COMMENTER_TOKEN = z
  .string()
  .describe('Given with an approved comment: send it as `commenterToken` with later posts under the same email to be trusted as a returning commenter (MODERATION=first-time).');

export const PostCommentResponseSchema = z.object({
  comment: PublicCommentSchema,
  status: PublicStatusSchema,
  message: z.string().optional().describe('Present when the comment is not public yet.'),
  editToken: z.string().describe('Edits or deletes this comment within the edit window. Shown once; only its hash is stored.'),
  commenterToken: COMMENTER_TOKEN.optional(),
});

export const EditCommentResponseSchema = z.object({
  comment: PublicCommentSchema,
  status: PublicStatusSchema.describe('An edit is spam-checked like a new comment: `pending` when it now awaits moderation.'),
  message: z.string().optional().describe('Present when the edited comment is not public (awaiting moderation).'),
});

export const OwnCommentsResponseSchema = z.object({
  comments: z.array(z.object({ ...commentFields, status: PublicStatusSchema, commenterToken: COMMENTER_TOKEN.optional() })),
});

export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. validation_failed, rate_limited, comment_not_found.'),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional().describe('Per-field problems: required, invalid, too_long, unknown_field…'),
    requestId: z.string(),
  }),
});

export const HealthResponseSchema = z.object({ status: z.literal('ok') });

const failing = ['unavailable', 'timeout'] as const;
export const ReadinessResponseSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    storage: z.enum(['ok', ...failing]),
    akismet: z
      .enum(['valid', 'invalid', 'unreachable', 'unknown', 'not_configured', ...failing])
      .describe('Only `invalid` (a rejected AKISMET_KEY) is not ready; unreachable Akismet holds comments as unchecked.'),
    redis: z.enum(['ok', 'not_configured', ...failing]),
  }),
  failing: z.array(z.string()).optional().describe('The checks that are not ready.'),
  degraded: z
    .array(z.string())
    .optional()
    .describe('Optional checks that failed (Redis): still ready; meanwhile reads and posts pass their rate limits unchecked.'),
});

export const OpenApiResponseSchema = z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({}), paths: z.looseObject({}) });

// The compiler keeps the mirrors honest: each schema's output must be the dto.ts type, and the type the schema.
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const mirrors: [
  Same<z.output<typeof ThreadResponseSchema>, ThreadResponse>,
  Same<z.output<typeof CountsResponseSchema>, CountsResponse>,
  Same<z.output<typeof FormTokenResponseSchema>, FormTokenResponse>,
  Same<z.output<typeof PostCommentResponseSchema>, PostCommentResponse>,
  Same<z.output<typeof EditCommentResponseSchema>, EditCommentResponse>,
  Same<z.output<typeof OwnCommentsResponseSchema>, OwnCommentsResponse>,
  Same<z.output<typeof ErrorResponseSchema>, ErrorResponse>,
] = [true, true, true, true, true, true, true];
void mirrors;

// ---------- the public and operators' sections ----------

/** An error answer in the common shape; the description names the codes it carries. */
export const errorResponse = (description: string): ResponseSpec => ({ description, schema: ErrorResponseSchema });
const error = errorResponse;
const RATE_LIMITED = error('rate_limited: too many requests from this address, or posts from this email (Retry-After says when to try again).');
const SERVER_ERRORS = {
  500: error('internal_error.'),
  503: error('storage_unavailable: the store does not answer; try again shortly.'),
};
const BODY_ERRORS = {
  413: error('payload_too_large: the body is larger than 32 KB or has too many form fields.'),
  415: error('unsupported_media_type: send application/json or application/x-www-form-urlencoded.'),
};
const THREAD_NOTE = 'The thread is named by `url` (the article URL, canonicalised) or an explicit `threadId`; one of them is required.';

export const publicApi: ApiSection = {
  tags: [{ name: 'comments', description: "Readers' API, used by the embed widget." }],
  securitySchemes: {
    editToken: { type: 'http', scheme: 'bearer', description: 'The editToken returned when the comment was posted.' },
  },
  components: {
    PublicAuthor: PublicAuthorSchema,
    PublicComment: PublicCommentSchema,
    PublicStatus: PublicStatusSchema,
    ThreadResponse: ThreadResponseSchema,
    CountsResponse: CountsResponseSchema,
    FormTokenResponse: FormTokenResponseSchema,
    PostCommentResponse: PostCommentResponseSchema,
    EditCommentResponse: EditCommentResponseSchema,
    OwnCommentsResponse: OwnCommentsResponseSchema,
    PreviewResponse: PreviewResponseSchema,
    ErrorResponse: ErrorResponseSchema,
  },
  operations: [
    {
      method: 'get',
      path: '/api/v1/threads',
      operationId: 'listThread',
      summary: 'A page of a thread: public comments with their replies.',
      description: `${THREAD_NOTE} Pages hold top-level comments; \`nextCursor\` fetches the next one.`,
      tags: ['comments'],
      query: schemas.listThread,
      responses: {
        200: { description: 'The page.', schema: ThreadResponseSchema },
        400: error('validation_failed: a missing or invalid url/threadId, sort, limit or cursor.'),
        403: error('origin_not_allowed: the article is not on one of ALLOWED_ORIGINS.'),
        429: RATE_LIMITED,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'get',
      path: '/api/v1/counts',
      operationId: 'countComments',
      summary: 'Public comment counts of up to 100 articles (repeat `url`).',
      tags: ['comments'],
      query: schemas.counts,
      responses: {
        200: { description: 'One count per requested URL, keyed by the URL as sent.', schema: CountsResponseSchema },
        400: error('validation_failed: no url, more than 100, or one that is not an http(s) URL.'),
        429: RATE_LIMITED,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'get',
      path: '/api/v1/form-token',
      operationId: 'issueFormToken',
      summary: 'A signed form token to send with the next comment on this thread.',
      description: `${THREAD_NOTE} A comment posted sooner than minSubmitSeconds after issue, or after expiresAt, is held for moderation.`,
      tags: ['comments'],
      query: schemas.threadOnly,
      responses: {
        200: { description: 'The token.', schema: FormTokenResponseSchema },
        400: error('validation_failed.'),
        403: error('origin_not_allowed.'),
        429: RATE_LIMITED,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'post',
      path: '/api/v1/comments',
      operationId: 'postComment',
      summary: 'Post a comment or a reply. It is spam-checked before anyone else can see it.',
      description:
        `${THREAD_NOTE} Send the form token from /api/v1/form-token and leave the hidden ${HONEYPOT_FIELD} field empty. ` +
        'With `notifyReplies: true` the author is mailed when a reply to this comment is published (when reply notifications are on; ' +
        'the first time an address asks, it gets a confirmation mail and nothing else until the link in it is followed); `lang` names ' +
        "the widget's language for those mails. A comment judged spam subscribes nobody." +
        ' A signed-in commenter sends `Authorization: Bearer <session>` and no name or email (they come from the sign-in).',
      tags: ['comments'],
      body: { schema: schemas.postComment },
      responses: {
        201: { description: 'Stored: published (approved) or held for moderation (pending).', schema: PostCommentResponseSchema },
        400: error('validation_failed (with per-field codes) or invalid_json.'),
        401: error('sign_in_required: GUEST_COMMENTS=off and no session, or the Authorization session is forged or expired.'),
        403: error('origin_not_allowed, thread_locked, banned or comment_rejected.'),
        404: error('parent_not_found: the parent is not a visible comment of this thread (missing, held, spam, or under a hidden comment).'),
        409: error('duplicate_comment: the same author already posted this body here.'),
        ...BODY_ERRORS,
        429: RATE_LIMITED,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'post',
      path: '/api/v1/comments/mine',
      operationId: 'listOwnComments',
      summary: "The author's own comments (held ones included), found by their edit tokens.",
      description: 'POST rather than GET so edit tokens never travel in URLs. Comments whose token does not match are left out.',
      tags: ['comments'],
      body: { schema: schemas.ownComments },
      responses: {
        200: { description: 'The matching comments.', schema: OwnCommentsResponseSchema },
        400: error('validation_failed or invalid_json.'),
        ...BODY_ERRORS,
        429: RATE_LIMITED,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'post',
      path: '/api/v1/preview',
      operationId: 'previewComment',
      summary: "A comment's text rendered as it would be published (Markdown, sanitised); nothing is stored.",
      description: 'Counted against the read rate limit.',
      tags: ['comments'],
      body: { schema: schemas.preview },
      responses: {
        200: { description: 'The rendered HTML.', schema: PreviewResponseSchema },
        400: error('validation_failed or invalid_json.'),
        ...BODY_ERRORS,
        429: RATE_LIMITED,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'patch',
      path: '/api/v1/comments/{id}',
      operationId: 'editOwnComment',
      summary: 'Edit your comment within the edit window.',
      description:
        'The new text goes through the same spam checks as a new comment (local rules, then Akismet; no form token or honeypot). ' +
        'A hold or spam verdict hides the comment until a moderator decides (200 with `status: pending` and a message); ' +
        'moderators see the previous text beside the new one.',
      tags: ['comments'],
      security: ['editToken'],
      pathParams: { id: 'The comment id.' },
      body: { schema: schemas.editComment },
      responses: {
        200: { description: 'The edited comment: still public (approved) or awaiting moderation (pending).', schema: EditCommentResponseSchema },
        400: error('validation_failed or invalid_json.'),
        401: error('unauthorized: no edit token.'),
        403: error('forbidden (the token is not this comment’s), edit_window_closed, thread_locked, banned or comment_rejected (the edit was refused; nothing changed).'),
        404: error('comment_not_found.'),
        ...BODY_ERRORS,
        429: RATE_LIMITED,
        ...SERVER_ERRORS,
      },
    },
    {
      method: 'delete',
      path: '/api/v1/comments/{id}',
      operationId: 'deleteOwnComment',
      summary: 'Delete your comment within the edit window (a comment with replies stays as "[deleted]").',
      tags: ['comments'],
      security: ['editToken'],
      pathParams: { id: 'The comment id.' },
      responses: {
        204: { description: 'Deleted.' },
        401: error('unauthorized: no edit token.'),
        403: error('forbidden, edit_window_closed or thread_locked.'),
        404: error('comment_not_found.'),
        429: RATE_LIMITED,
        ...SERVER_ERRORS,
      },
    },
  ],
};

export const opsApi: ApiSection = {
  tags: [{ name: 'operations', description: 'Health, readiness, metrics and this description. Never rate limited.' }],
  securitySchemes: {
    metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN.' },
  },
  components: { HealthResponse: HealthResponseSchema, ReadinessResponse: ReadinessResponseSchema },
  operations: [
    {
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      summary: 'Liveness: the process answers. No I/O.',
      tags: ['operations'],
      responses: { 200: { description: 'Alive.', schema: HealthResponseSchema } },
    },
    {
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      summary: 'Readiness: storage answers and the Akismet key is not rejected; Redis down is reported as degraded, still 200.',
      description: 'Each check is bounded (1 s); the answer names every check and, when not ready, the failing ones.',
      tags: ['operations'],
      responses: {
        200: { description: 'Ready.', schema: ReadinessResponseSchema },
        503: { description: 'Not ready; `failing` names the checks.', schema: ReadinessResponseSchema },
      },
    },
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format). Off (404) unless METRICS_TOKEN is set.',
      tags: ['operations'],
      security: ['metricsToken'],
      responses: {
        200: { description: 'The metrics.', schema: z.string(), contentType: 'text/plain' },
        401: error('unauthorized: missing or wrong bearer token.'),
        404: error('not_found: METRICS_TOKEN is not set.'),
      },
    },
    {
      method: 'get',
      path: '/api/v1/openapi.json',
      operationId: 'openApi',
      summary: 'This document (OpenAPI 3.1).',
      tags: ['operations'],
      responses: { 200: { description: 'The API description.', schema: OpenApiResponseSchema } },
    },
  ],
};

// ---------- assembly ----------

/** Builds the document. Throws at start-up on a duplicate operation or component name, so a mistake cannot ship. */
export function createOpenApiDocument(sections: readonly ApiSection[], options: OpenApiOptions = {}): OpenApiDocument {
  const named = z.registry<{ id: string }>();
  const ids = new Set<string>();
  const name = (schema: z.ZodType, id: string) => {
    if (named.has(schema) || ids.has(id)) throw new Error(`OpenAPI: component ${id} is defined twice`);
    named.add(schema, { id });
    ids.add(id);
  };
  const securitySchemes: Record<string, object> = {};
  const tags: { name: string; description: string }[] = [];
  for (const section of sections) {
    for (const [id, schema] of Object.entries(section.components ?? {})) name(schema, id);
    Object.assign(securitySchemes, section.securitySchemes);
    tags.push(...(section.tags ?? []));
  }

  // Unnamed response schemas become components too, named after their operation, so every $ref resolves.
  const operations = sections.flatMap((s) => s.operations);
  const seen = new Set<string>();
  for (const op of operations) {
    const key = `${op.method} ${op.path}`;
    if (seen.has(key)) throw new Error(`OpenAPI: ${key} is described twice`);
    seen.add(key);
    for (const [status, r] of Object.entries(op.responses)) {
      if (r.schema && !named.has(r.schema)) name(r.schema, `${capitalize(op.operationId)}${status}`);
    }
  }

  const generated = z.toJSONSchema(named, {
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas as Record<string, JsonSchema>;
  const componentSchemas = Object.fromEntries(Object.entries(generated).map(([id, s]) => [id, clean(s)]));
  const refTo = (schema: z.ZodType): JsonSchema => ({ $ref: `#/components/schemas/${named.get(schema)?.id ?? ''}` });

  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) {
    const parameters = [
      ...Object.entries(op.pathParams ?? {}).map(([name, p]) =>
        typeof p === 'string'
          ? { name, in: 'path', required: true, description: p, schema: { type: 'string' } }
          : { name, in: 'path', required: true, description: p.description, schema: inputSchema(p.schema) },
      ),
      ...(op.query ? queryParameters(op.query) : []),
    ];
    const responses = Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [
        status,
        r.schema ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: refTo(r.schema) } } } : { description: r.description },
      ]),
    );
    const operation: JsonSchema = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: op.tags,
      ...(op.security ? { security: op.security.map((name) => ({ [name]: [] })) } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries((op.body.contentTypes ?? FORM_TYPES).map((t) => [t, { schema: inputSchema(op.body!.schema) }])),
            },
          }
        : {}),
      responses,
    };
    (paths[op.path] ??= {})[op.method] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley',
      version: options.version ?? '1',
      description: 'Self-hosted, private, spam-checked comments. Errors share one shape: {"error":{"code","message","fields"?,"requestId"}}.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags,
    paths,
    components: { schemas: componentSchemas, securitySchemes },
  };
}

/** A request schema on its input side: what a client sends, before defaults and transforms. Inlined. */
function inputSchema(schema: z.ZodType): JsonSchema {
  const json = clean(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  // A nested $defs would resolve against the whole document, not this schema: request schemas must stay flat.
  if ('$defs' in json) throw new Error('OpenAPI: request schemas must not be recursive');
  return json;
}

function queryParameters(schema: z.ZodType): JsonSchema[] {
  const json = inputSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s }));
}

/** `$schema` and zod's fragment `$id`s belong to stand-alone schemas, not to schemas inside an OpenAPI document. */
function clean(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
