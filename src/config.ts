/**
 * The only reader of the environment. `loadConfig(env)` validates every key at once and returns a frozen,
 * typed Config; a bad configuration throws one ConfigError that names every bad key.
 * CONFIG_KEYS is also the source of `--help` and is checked against .env.example by a test. `readEnvironment()` adds a
 * `.env` file from the working directory under the process environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import type { ModerationMode } from './domain/comment.js';
import type { AvatarMode } from './domain/privacy.js';
import { normalizeOrigin } from './domain/thread.js';
import { MODERATOR_LANGS, moderatorLangOf } from './notify/mail-lang.js';

export interface ConfigKey {
  key: string;
  /** The default as a user would write it, or '' when the key is unset by default. */
  default: string;
  description: string;
  secret?: boolean;
}

export const CONFIG_KEYS: readonly ConfigKey[] = [
  { key: 'PORT', default: '8080', description: 'TCP port to listen on.' },
  { key: 'HOST', default: '0.0.0.0', description: 'Interface to bind (use 127.0.0.1 to stay local).' },
  { key: 'PUBLIC_URL', default: '', description: 'The public base URL of this service, e.g. https://comments.example.org.' },
  {
    key: 'ALLOWED_ORIGINS',
    default: '',
    description: 'Comma-separated site origins whose articles may have threads (e.g. https://news.example.org). Empty: any origin.',
  },
  { key: 'DATA_DIR', default: './data', description: 'Directory of the embedded SQLite database (parley.db) and the generated secret.' },
  { key: 'MONGODB_URI', default: '', description: 'mongodb:// or mongodb+srv:// URI. When set, MongoDB is used instead of SQLite.' },
  {
    key: 'MONGODB_TIMEOUT_MS',
    default: '5000',
    description:
      'How long a MongoDB operation may wait for a server (selection, connect, socket) before failing with 503 storage_unavailable (500-60000). A timeout option in MONGODB_URI wins.',
  },
  {
    key: 'SECRET',
    default: '',
    description: 'HMAC key (at least 32 characters) for avatar keys and tokens. Unset: generated once into DATA_DIR/secret (mode 0600).',
    secret: true,
  },
  { key: 'AVATARS', default: 'identicon', description: 'identicon (private, keyed by SECRET) or gravatar (SHA-256 of the email, requested from Gravatar).' },
  { key: 'MAX_DEPTH', default: '5', description: 'Levels of nesting shown (1-20); deeper replies attach to the deepest allowed ancestor.' },
  { key: 'EDIT_WINDOW_MINUTES', default: '15', description: 'Minutes during which an author may edit or delete a comment with its edit token (0-10080).' },
  { key: 'TRUST_PROXY', default: '0', description: 'Number of reverse proxies in front of Parley (0: ignore X-Forwarded-For).' },
  { key: 'LOG_LEVEL', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
  {
    key: 'MODERATION',
    default: 'first-time',
    description: 'none: publish what passes the spam checks; first-time: hold the first comment of every new email for a moderator; all: hold everything.',
  },
  { key: 'AKISMET_KEY', default: '', description: 'Akismet API key. When set, every comment is checked by Akismet before anyone else sees it.', secret: true },
  { key: 'AKISMET_ENDPOINT', default: '', description: 'Base URL of an Akismet-compatible API, e.g. http://127.0.0.1:4010/1.1/ (tests, development). Unset: Akismet itself.' },
  { key: 'AKISMET_TIMEOUT_MS', default: '3000', description: 'How long to wait for Akismet before holding the comment as unchecked (100-30000).' },
  { key: 'AKISMET_TEST', default: '0', description: '1 sends is_test=1 with every Akismet call (for staging).' },
  { key: 'SITE_LANG', default: 'en', description: "Language(s) of the sites' articles, comma-separated (e.g. en, fr_ca): Akismet's blog_lang." },
  { key: 'MIN_SUBMIT_SECONDS', default: '3', description: 'A comment posted sooner than this after its form token was issued is held for moderation (0-600).' },
  { key: 'FORM_TOKEN_MAX_AGE_HOURS', default: '24', description: 'Form tokens older than this are expired; such posts are held for moderation (1-720).' },
  { key: 'MAX_LINKS', default: '2', description: 'Comments with more links than this are held for moderation (0-100).' },
  { key: 'BANNED_WORDS', default: '', description: 'Comma-separated words or phrases; a comment containing one (whole word, any case) is marked spam.' },
  { key: 'RETENTION_DAYS', default: '30', description: "Days to keep a commenter's IP, user agent and referrer (for spam feedback) before erasing them (1-3650)." },
  { key: 'REDIS_URL', default: '', description: 'redis:// URL. When set, rate limits are shared by every instance through Redis.' },
  { key: 'CACHE_MAX_MB', default: '64', description: 'Memory for the public-read cache of thread pages and counts, in MB (0-4096); 0 turns the cache off.' },
  { key: 'CACHE_CDN_STALE_SECONDS', default: '30', description: 'Seconds a CDN may go on serving a public read after CACHE_SHARED_MAX_AGE while it fetches a fresh one (0-3600), sent as stale-while-revalidate in CDN-Cache-Control and Surrogate-Control only (browsers never see it); 0 sends neither.' },
  { key: 'CACHE_SHARED_MAX_AGE', default: '10', description: 'Seconds a CDN or shared cache may serve a public read (thread pages, counts) without asking again (0-300); 0 sends no-cache.' },
  { key: 'RATE_LIMIT_POSTS_PER_MINUTE', default: '5', description: 'Comments one IP may post per minute.' },
  { key: 'RATE_LIMIT_POSTS_PER_HOUR', default: '30', description: 'Comments one IP may post per hour.' },
  { key: 'RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR', default: '10', description: 'Comments one email address may post per hour.' },
  { key: 'RATE_LIMIT_READS_PER_MINUTE', default: '300', description: 'Read requests one IP may make per minute.' },
  { key: 'RATE_LIMIT_EDITS_PER_MINUTE', default: '5', description: 'Edits and deletes of their own comments one IP may make per minute.' },
  { key: 'RATE_LIMIT_EDITS_PER_HOUR', default: '30', description: 'Edits and deletes of their own comments one IP may make per hour.' },
  {
    key: 'ADMIN_TOKEN',
    default: '',
    description: 'Admin API tokens for automation (bearer, act as admins), comma-separated, each at least 32 characters, optionally labelled (label:token). People sign in at /admin with moderator accounts instead (node dist/cli.js moderators add). With neither a token nor an account, the admin API and page are off.',
    secret: true,
  },
  { key: 'METRICS_TOKEN', default: '', description: 'Bearer token (at least 32 characters) for GET /metrics. Unset: /metrics is off.', secret: true },
  { key: 'SHUTDOWN_TIMEOUT_MS', default: '10000', description: 'On SIGTERM/SIGINT, how long in-flight requests may take before connections are closed (0-120000).' },
  { key: 'RATE_LIMIT_ADMIN_PER_MINUTE', default: '120', description: 'Admin API requests one IP may make per minute (failed sign-ins count).' },
  { key: 'WEBHOOK_URLS', default: '', description: 'Comma-separated http(s) URLs that receive comment.created, comment.approved, comment.spam and comment.deleted (JSON, Standard Webhooks signatures). Unset: no webhooks.' },
  { key: 'WEBHOOK_SECRET', default: '', description: 'Webhook signing key in the Standard Webhooks form whsec_ + base64 (at least 24 bytes). Required when WEBHOOK_URLS is set.', secret: true },
  { key: 'SMTP_URL', default: '', description: 'smtp:// or smtps:// URL of the mail server, credentials in the URL (smtps://user:pass@mail.example.org). Unset: no mail is sent.', secret: true },
  { key: 'MAIL_FROM', default: '', description: 'Sender of notification mails, e.g. Parley <comments@example.org>. Required when SMTP_URL is set.' },
  { key: 'MODERATOR_EMAILS', default: '', description: 'Comma-separated addresses mailed when a comment is held for moderation (needs SMTP_URL).' },
  { key: 'MODERATOR_DIGEST_MINUTES', default: '0', description: 'Moderator alerts: 0 sends one mail per held comment; N (1-1440) sends at most one digest mail every N minutes listing every comment held since the last one.' },
  { key: 'MODERATOR_LANG', default: '', description: 'Language of moderator mails: en, zh-CN, es, fr or de. Unset: the first code of SITE_LANG if it is one of these, else English.' },
  // Moderator accounts and sessions (issue 15).
  { key: 'ADMIN_SESSION_IDLE_MINUTES', default: '30', description: 'A moderator signed in at /admin is signed out after this many minutes without a request (5-1440).' },
  { key: 'ADMIN_SESSION_HOURS', default: '12', description: 'A moderator session ends this many hours after sign-in, however active (1-720).' },
  { key: 'RATE_LIMIT_SIGNIN_PER_MINUTE', default: '10', description: 'Sign-in attempts at /admin one IP may make per minute.' },
  { key: 'RATE_LIMIT_SIGNIN_FAILURES_PER_HOUR', default: '10', description: 'Failed sign-ins per account from one IP per hour; successful ones do not count.' },
  { key: 'RATE_LIMIT_SIGNIN_ACCOUNT_FAILURES_PER_HOUR', default: '100', description: 'Failed sign-ins per account from all IPs together per hour (slows distributed guessing; successful ones do not count).' },
  // Reader reply notifications (issue 13).
  { key: 'REPLY_NOTIFICATIONS', default: 'on', description: 'on: readers may ask to be mailed replies to their comments (the form\'s "Notify me" box, double opt-in); needs SMTP_URL and PUBLIC_URL (https, for the one-click unsubscribe links). off: the box is not offered.' },
  { key: 'RATE_LIMIT_READER_LINKS_PER_MINUTE', default: '10', description: 'Refused requests (forged, expired or malformed links) to the confirm and unsubscribe links of reader mails one IP may make per minute; valid links are never limited (mail providers send every user\'s one-click unsubscribe from a few addresses).' },
  // --- signed-in commenters (host-site SSO, OpenID Connect); see src/identity/
  { key: 'SSO_SECRET', default: '', description: "Key (at least 32 characters) the host site signs its commenters' SSO payloads with (HS256 JWT or plain HMAC-SHA256). Unset: host-site SSO is off.", secret: true },
  { key: 'SSO_BADGE', default: '', description: 'Badge shown next to the name of commenters signed in by the host site (e.g. Subscriber, at most 40 characters). Unset: no badge.' },
  { key: 'SSO_TRUSTED', default: '0', description: '1: comments of commenters signed in by the host site skip first-time moderation (spam checks still run; MODERATION=all still holds them).' },
  { key: 'OIDC_ISSUER', default: '', description: 'OpenID Connect issuer URL (e.g. https://accounts.example.org). Set with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET to offer sign-in in a popup; needs PUBLIC_URL and ALLOWED_ORIGINS.' },
  { key: 'OIDC_CLIENT_ID', default: '', description: 'Client id registered at the OpenID provider (redirect URI: PUBLIC_URL/auth/oidc/callback).' },
  { key: 'OIDC_CLIENT_SECRET', default: '', description: 'Client secret registered at the OpenID provider.', secret: true },
  { key: 'OIDC_NAME_CLAIM', default: 'name', description: 'ID token or userinfo claim used as the display name (falls back to preferred_username, then nickname).' },
  { key: 'COMMENTER_SESSION_HOURS', default: '24', description: 'Hours a commenter stays signed in after SSO or OpenID sign-in (1-720).' },
  { key: 'GUEST_COMMENTS', default: 'on', description: 'off: only signed-in commenters may post (anonymous posts get 401 sign_in_required); on: guests comment with name and email.' },
];

export type { AvatarMode };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  publicUrl: string | null;
  /** Normalised origins, or null for any origin. */
  allowedOrigins: readonly string[] | null;
  dataDir: string;
  mongodbUri: string | null;
  /** Server selection, connect and socket timeout of MongoDB operations. */
  mongodbTimeoutMs: number;
  /** Null when unset: main.ts then loads or generates one in DATA_DIR. */
  secret: string | null;
  avatars: AvatarMode;
  maxDepth: number;
  editWindowMinutes: number;
  trustProxy: number;
  logLevel: LogLevel;
  moderation: ModerationMode;
  akismet: {
    key: string | null;
    endpoint: string | null;
    timeoutMs: number;
    isTest: boolean;
    lang: string;
  };
  minSubmitSeconds: number;
  formTokenMaxAgeHours: number;
  maxLinks: number;
  bannedWords: readonly string[];
  retentionDays: number;
  redisUrl: string | null;
  /** Bytes the public-read cache may hold; 0: off. */
  cacheMaxBytes: number;
  /** CACHE_SHARED_MAX_AGE: s-maxage of public reads, in seconds; 0 = no-cache. */
  cacheSharedMaxAge: number;
  /** CACHE_CDN_STALE_SECONDS: stale-while-revalidate for CDNs only (CDN-Cache-Control, Surrogate-Control); 0 = none. */
  cacheCdnStaleSeconds: number;
  /** Labelled moderator tokens; empty when the admin API is off. */
  adminTokens: readonly AdminToken[];
  metricsToken: string | null;
  shutdownTimeoutMs: number;
  notify: {
    webhookUrls: readonly string[];
    /** The raw HMAC key decoded from whsec_…; null when WEBHOOK_SECRET is unset. */
    webhookKey: Buffer | null;
    smtpUrl: string | null;
    mailFrom: string | null;
    moderatorEmails: readonly string[];
    /** 0: one alert per held comment; N: at most one digest every N minutes. */
    moderatorDigestMinutes: number;
    /** One of the widget's languages (see src/notify/moderator-templates.ts). */
    moderatorLang: string;
    /** REPLY_NOTIFICATIONS=on (they also need mail and PUBLIC_URL). */
    replyNotifications: boolean;
    /** RATE_LIMIT_READER_LINKS_PER_MINUTE: the confirm and unsubscribe links, per IP. */
    readerLinksPerMinute: number;
  };
  /** Moderator sign-in sessions at /admin. */
  moderatorSessions: { idleMinutes: number; hours: number };
  rateLimits: {
    postsPerMinute: number;
    postsPerHour: number;
    postsPerEmailPerHour: number;
    readsPerMinute: number;
    adminPerMinute: number;
    editsPerMinute: number;
    editsPerHour: number;
  };
  /** Sign-in attempts at /admin: per IP, failures per account and IP, failures per account. */
  signInLimits: { perMinute: number; failuresPerHour: number; accountFailuresPerHour: number };
  /** Signed-in commenters: host-site SSO, OpenID Connect, their sessions, and whether guests may post. */
  commenters: CommentersConfig;
}

export interface CommentersConfig {
  /** HS256 / HMAC-SHA256 key of the host site's SSO payloads; null: SSO off. */
  ssoSecret: string | null;
  /** Shown next to an SSO commenter's name; null: none. */
  ssoBadge: string | null;
  /** SSO commenters skip first-time moderation. */
  ssoTrusted: boolean;
  oidc: { issuer: string; clientId: string; clientSecret: string; nameClaim: string } | null;
  sessionHours: number;
  guests: boolean;
}

export type { ModerationMode };

export interface AdminToken {
  /** Shown in the audit log as the actor. */
  label: string;
  token: string;
}

/** `label:token` or a bare token (labelled admin, admin-2, …). A token itself never contains a colon. */
function parseAdminTokens(raw: string): { tokens: AdminToken[]; problem?: string } {
  const tokens: AdminToken[] = [];
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
  for (const [i, part] of parts.entries()) {
    const colon = part.lastIndexOf(':');
    const label = colon >= 0 ? part.slice(0, colon).trim() : i === 0 ? 'admin' : `admin-${i + 1}`;
    const token = colon >= 0 ? part.slice(colon + 1).trim() : part;
    if (token.length < 32) return { tokens: [], problem: `token ${i + 1} is shorter than 32 characters` };
    if (!/^[\x21-\x7e]+$/.test(token)) return { tokens: [], problem: `token ${i + 1} must be printable ASCII without spaces` };
    if (!/^[\w .@-]{1,64}$/.test(label)) return { tokens: [], problem: `label ${i + 1} must be 1-64 letters, digits, spaces or . @ - _` };
    if (tokens.some((t) => t.label === label)) return { tokens: [], problem: `label "${label}" is used twice` };
    tokens.push({ label, token });
  }
  return { tokens };
}

export class ConfigError extends Error {
  readonly problems: Record<string, string>;
  constructor(problems: Record<string, string>) {
    const lines = Object.entries(problems).map(([k, v]) => `  ${k}: ${v}`);
    super(`Invalid configuration (${lines.length} bad key${lines.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const defaults = Object.fromEntries(CONFIG_KEYS.map((k) => [k.key, k.default]));

/** Unset and blank values fall back to the documented default. */
const value = (key: string) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : defaults[key]), z.string());

const int = (key: string, min: number, max: number) =>
  value(key).pipe(
    z
      .string()
      .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
      .transform(Number)
      .refine((n) => n >= min && n <= max, `must be a whole number between ${min} and ${max}`),
  );

const oneOf = <T extends string>(key: string, options: readonly [T, ...T[]]) =>
  value(key).pipe(z.enum(options, { error: `must be one of ${options.join(', ')}` }));

const optional = (key: string) => value(key).transform((s) => (s === '' ? null : s));

const schema = z.object({
  PORT: int('PORT', 1, 65535),
  HOST: value('HOST').pipe(z.string().min(1)),
  PUBLIC_URL: optional('PUBLIC_URL').refine((s) => s === null || isHttpUrl(s), {
    message: 'must be an absolute http(s) URL',
  }),
  ALLOWED_ORIGINS: value('ALLOWED_ORIGINS').transform((s, ctx) => {
    if (s === '') return null;
    const origins: string[] = [];
    for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
      const origin = normalizeOrigin(part);
      if (!origin) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not an http(s) origin like https://example.org` });
        return z.NEVER;
      }
      origins.push(origin);
    }
    return origins.length > 0 ? origins : null;
  }),
  DATA_DIR: value('DATA_DIR').pipe(z.string().min(1)),
  MONGODB_URI: optional('MONGODB_URI').refine((s) => s === null || isMongoUri(s), {
    message: 'must be a mongodb:// or mongodb+srv:// URI with a host',
  }),
  MONGODB_TIMEOUT_MS: int('MONGODB_TIMEOUT_MS', 500, 60_000),
  SECRET: optional('SECRET').refine((s) => s === null || s.length >= 32, { message: 'must be at least 32 characters' }),
  AVATARS: oneOf('AVATARS', ['identicon', 'gravatar']),
  MAX_DEPTH: int('MAX_DEPTH', 1, 20),
  EDIT_WINDOW_MINUTES: int('EDIT_WINDOW_MINUTES', 0, 10080),
  TRUST_PROXY: int('TRUST_PROXY', 0, 10),
  LOG_LEVEL: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  MODERATION: oneOf('MODERATION', ['none', 'first-time', 'all']),
  AKISMET_KEY: optional('AKISMET_KEY').refine((s) => s === null || /^[A-Za-z0-9_-]{4,100}$/.test(s), {
    message: 'must be an Akismet API key (letters and digits)',
  }),
  AKISMET_ENDPOINT: optional('AKISMET_ENDPOINT').refine((s) => s === null || (isHttpUrl(s) && s.endsWith('/')), {
    message: 'must be an http(s) URL ending in / (e.g. http://127.0.0.1:4010/1.1/)',
  }),
  AKISMET_TIMEOUT_MS: int('AKISMET_TIMEOUT_MS', 100, 30_000),
  AKISMET_TEST: oneOf('AKISMET_TEST', ['0', '1']),
  SITE_LANG: value('SITE_LANG').pipe(z.string().regex(/^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?(?:\s*,\s*[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?)*$/, 'must be language codes like en or en, fr_ca')),
  MIN_SUBMIT_SECONDS: int('MIN_SUBMIT_SECONDS', 0, 600),
  FORM_TOKEN_MAX_AGE_HOURS: int('FORM_TOKEN_MAX_AGE_HOURS', 1, 720),
  MAX_LINKS: int('MAX_LINKS', 0, 100),
  BANNED_WORDS: value('BANNED_WORDS').transform((s) =>
    s
      .split(',')
      .map((w) => w.trim())
      .filter(Boolean),
  ),
  RETENTION_DAYS: int('RETENTION_DAYS', 1, 3650),
  REDIS_URL: optional('REDIS_URL').refine((s) => s === null || /^rediss?:\/\/[^/]/.test(s), {
    message: 'must be a redis:// or rediss:// URL',
  }),
  CACHE_MAX_MB: int('CACHE_MAX_MB', 0, 4096),
  CACHE_SHARED_MAX_AGE: int('CACHE_SHARED_MAX_AGE', 0, 300),
  CACHE_CDN_STALE_SECONDS: int('CACHE_CDN_STALE_SECONDS', 0, 3600),
  RATE_LIMIT_POSTS_PER_MINUTE: int('RATE_LIMIT_POSTS_PER_MINUTE', 1, 100_000),
  RATE_LIMIT_POSTS_PER_HOUR: int('RATE_LIMIT_POSTS_PER_HOUR', 1, 1_000_000),
  RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR: int('RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR', 1, 1_000_000),
  RATE_LIMIT_READS_PER_MINUTE: int('RATE_LIMIT_READS_PER_MINUTE', 1, 1_000_000),
  RATE_LIMIT_ADMIN_PER_MINUTE: int('RATE_LIMIT_ADMIN_PER_MINUTE', 1, 100_000),
  RATE_LIMIT_EDITS_PER_MINUTE: int('RATE_LIMIT_EDITS_PER_MINUTE', 1, 100_000),
  RATE_LIMIT_EDITS_PER_HOUR: int('RATE_LIMIT_EDITS_PER_HOUR', 1, 1_000_000),
  ADMIN_TOKEN: value('ADMIN_TOKEN').transform((s, ctx) => {
    const parsed = parseAdminTokens(s);
    if (parsed.problem) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.tokens;
  }),
  METRICS_TOKEN: optional('METRICS_TOKEN').refine((s) => s === null || (s.length >= 32 && /^[\x21-\x7e]+$/.test(s)), {
    message: 'must be at least 32 printable characters without spaces',
  }),
  SHUTDOWN_TIMEOUT_MS: int('SHUTDOWN_TIMEOUT_MS', 0, 120_000),
  WEBHOOK_URLS: value('WEBHOOK_URLS').transform((s, ctx) => {
    const urls = s.split(',').map((u) => u.trim()).filter(Boolean);
    const bad = urls.find((u) => !isHttpUrl(u));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be comma-separated absolute http(s) URLs' });
      return z.NEVER;
    }
    return urls;
  }),
  WEBHOOK_SECRET: optional('WEBHOOK_SECRET').transform((s, ctx) => {
    if (s === null) return null;
    const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(s);
    const key = m ? Buffer.from(m[1]!, 'base64') : null;
    if (!key || key.length < 24 || key.length > 64) {
      ctx.addIssue({ code: 'custom', message: 'must be whsec_ followed by 24 to 64 base64-encoded bytes' });
      return z.NEVER;
    }
    return key;
  }),
  SMTP_URL: optional('SMTP_URL').refine((s) => s === null || /^smtps?:\/\/[^/?#]+/.test(s), { message: 'must be an smtp:// or smtps:// URL' }),
  MAIL_FROM: optional('MAIL_FROM').refine((s) => s === null || (s.length <= 320 && /@/.test(s) && !/[\r\n]/.test(s)), {
    message: 'must be an address, e.g. Parley <comments@example.org>',
  }),
  MODERATOR_EMAILS: value('MODERATOR_EMAILS').transform((s, ctx) => {
    const list = s.split(',').map((a) => a.trim()).filter(Boolean);
    if (list.some((a) => !/^[^\s@<>]+@[^\s@<>]+$/.test(a))) {
      ctx.addIssue({ code: 'custom', message: 'must be comma-separated email addresses' });
      return z.NEVER;
    }
    return list;
  }),
  MODERATOR_DIGEST_MINUTES: int('MODERATOR_DIGEST_MINUTES', 0, 1440),
  ADMIN_SESSION_IDLE_MINUTES: int('ADMIN_SESSION_IDLE_MINUTES', 5, 1440),
  ADMIN_SESSION_HOURS: int('ADMIN_SESSION_HOURS', 1, 720),
  RATE_LIMIT_SIGNIN_PER_MINUTE: int('RATE_LIMIT_SIGNIN_PER_MINUTE', 1, 100_000),
  RATE_LIMIT_SIGNIN_FAILURES_PER_HOUR: int('RATE_LIMIT_SIGNIN_FAILURES_PER_HOUR', 1, 100_000),
  RATE_LIMIT_SIGNIN_ACCOUNT_FAILURES_PER_HOUR: int('RATE_LIMIT_SIGNIN_ACCOUNT_FAILURES_PER_HOUR', 1, 1_000_000),
  MODERATOR_LANG: optional('MODERATOR_LANG').transform((s, ctx) => {
    if (s === null) return null;
    const lang = moderatorLangOf(s);
    if (lang === null) {
      ctx.addIssue({ code: 'custom', message: `must be one of ${MODERATOR_LANGS.join(', ')}` });
      return z.NEVER;
    }
    return lang;
  }),
  REPLY_NOTIFICATIONS: oneOf('REPLY_NOTIFICATIONS', ['on', 'off']),
  RATE_LIMIT_READER_LINKS_PER_MINUTE: int('RATE_LIMIT_READER_LINKS_PER_MINUTE', 1, 100_000),
  SSO_SECRET: optional('SSO_SECRET').refine((s) => s === null || s.length >= 32, { message: 'must be at least 32 characters' }),
  SSO_BADGE: optional('SSO_BADGE').refine((s) => s === null || (s.length <= 40 && !/[\p{Cc}<>]/u.test(s)), { message: 'must be at most 40 characters, without < > or control characters' }),
  SSO_TRUSTED: oneOf('SSO_TRUSTED', ['0', '1']),
  OIDC_ISSUER: optional('OIDC_ISSUER').refine((s) => s === null || isHttpUrl(s), { message: 'must be an absolute http(s) URL' }),
  OIDC_CLIENT_ID: optional('OIDC_CLIENT_ID'),
  OIDC_CLIENT_SECRET: optional('OIDC_CLIENT_SECRET'),
  OIDC_NAME_CLAIM: value('OIDC_NAME_CLAIM').pipe(z.string().regex(/^[\w.:-]{1,64}$/, 'must be a claim name like name or preferred_username')),
  COMMENTER_SESSION_HOURS: int('COMMENTER_SESSION_HOURS', 1, 720),
  GUEST_COMMENTS: oneOf('GUEST_COMMENTS', ['on', 'off']),
}).superRefine((e, ctx) => {
  // OpenID Connect: all three keys or none; the redirect URI is built from PUBLIC_URL, and the popup's answer goes only to listed origins.
  const oidcKeys = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
  if (oidcKeys.some((k) => e[k] !== null)) {
    for (const k of oidcKeys) if (e[k] === null) ctx.addIssue({ code: 'custom', path: [k], message: 'is required when any OIDC_ key is set' });
    if (e.PUBLIC_URL === null) ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'is required for OpenID Connect sign-in (the redirect URI)' });
    if (e.ALLOWED_ORIGINS === null) ctx.addIssue({ code: 'custom', path: ['ALLOWED_ORIGINS'], message: 'is required for OpenID Connect sign-in (the sites the popup answers)' });
  }
  if (e.GUEST_COMMENTS === 'off' && e.SSO_SECRET === null && e.OIDC_ISSUER === null) {
    ctx.addIssue({ code: 'custom', path: ['GUEST_COMMENTS'], message: 'off needs a way to sign in: set SSO_SECRET or the OIDC_ keys' });
  }
  if (e.WEBHOOK_URLS.length > 0 && e.WEBHOOK_SECRET === null) ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET'], message: 'is required when WEBHOOK_URLS is set' });
  if (e.SMTP_URL !== null && e.MAIL_FROM === null) ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'is required when SMTP_URL is set' });
});

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}

function isMongoUri(s: string): boolean {
  const m = /^mongodb(\+srv)?:\/\/(?:[^@/]*@)?([^/?#]+)/.exec(s);
  return m !== null && m[2] !== undefined && m[2].length > 0;
}

export interface Environment {
  env: Record<string, string | undefined>;
  /** The absolute path of the `.env` file read, or null when there was none. */
  envFile: string | null;
}

/**
 * The process environment over `.env` in `dir` (the working directory) when that file exists: a key set in the process
 * environment wins, so a file left in the folder never overrides a deployment's settings. util.parseEnv rather than
 * process.loadEnvFile, which would write into process.env: the merged object is explicit and goes to loadConfig.
 */
export function readEnvironment(processEnv: Record<string, string | undefined> = process.env, dir = process.cwd()): Environment {
  const file = path.resolve(dir, '.env');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { env: processEnv, envFile: null };
    throw new ConfigError({ '.env': `could not read ${file} (${code ?? 'error'})` });
  }
  return { env: { ...parseEnv(text), ...processEnv }, envFile: file };
}

/** Validates the whole environment at once; throws ConfigError naming every bad key. */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const picked = Object.fromEntries(CONFIG_KEYS.map((k) => [k.key, env[k.key]]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const problems: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'config');
      problems[key] ??= issue.message;
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ? e.PUBLIC_URL.replace(/\/+$/, '') : null,
    allowedOrigins: e.ALLOWED_ORIGINS ? Object.freeze([...e.ALLOWED_ORIGINS]) : null,
    dataDir: e.DATA_DIR,
    mongodbUri: e.MONGODB_URI,
    mongodbTimeoutMs: e.MONGODB_TIMEOUT_MS,
    secret: e.SECRET,
    avatars: e.AVATARS,
    maxDepth: e.MAX_DEPTH,
    editWindowMinutes: e.EDIT_WINDOW_MINUTES,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    moderation: e.MODERATION,
    akismet: Object.freeze({
      key: e.AKISMET_KEY,
      endpoint: e.AKISMET_ENDPOINT,
      timeoutMs: e.AKISMET_TIMEOUT_MS,
      isTest: e.AKISMET_TEST === '1',
      lang: e.SITE_LANG,
    }),
    minSubmitSeconds: e.MIN_SUBMIT_SECONDS,
    formTokenMaxAgeHours: e.FORM_TOKEN_MAX_AGE_HOURS,
    maxLinks: e.MAX_LINKS,
    bannedWords: Object.freeze([...e.BANNED_WORDS]),
    retentionDays: e.RETENTION_DAYS,
    redisUrl: e.REDIS_URL,
    cacheMaxBytes: e.CACHE_MAX_MB * 1024 * 1024,
    cacheSharedMaxAge: e.CACHE_SHARED_MAX_AGE,
    cacheCdnStaleSeconds: e.CACHE_CDN_STALE_SECONDS,
    adminTokens: Object.freeze(e.ADMIN_TOKEN.map((t) => Object.freeze({ ...t }))),
    metricsToken: e.METRICS_TOKEN,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    notify: Object.freeze({
      webhookUrls: Object.freeze([...e.WEBHOOK_URLS]),
      webhookKey: e.WEBHOOK_SECRET,
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM,
      moderatorEmails: Object.freeze([...e.MODERATOR_EMAILS]),
      moderatorDigestMinutes: e.MODERATOR_DIGEST_MINUTES,
      moderatorLang: e.MODERATOR_LANG ?? moderatorLangOf(e.SITE_LANG.split(',')[0]!) ?? 'en',
      replyNotifications: e.REPLY_NOTIFICATIONS === 'on',
      readerLinksPerMinute: e.RATE_LIMIT_READER_LINKS_PER_MINUTE,
    }),
    rateLimits: Object.freeze({
      postsPerMinute: e.RATE_LIMIT_POSTS_PER_MINUTE,
      postsPerHour: e.RATE_LIMIT_POSTS_PER_HOUR,
      postsPerEmailPerHour: e.RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR,
      readsPerMinute: e.RATE_LIMIT_READS_PER_MINUTE,
      adminPerMinute: e.RATE_LIMIT_ADMIN_PER_MINUTE,
      editsPerMinute: e.RATE_LIMIT_EDITS_PER_MINUTE,
      editsPerHour: e.RATE_LIMIT_EDITS_PER_HOUR,
    }),
    signInLimits: Object.freeze({
      perMinute: e.RATE_LIMIT_SIGNIN_PER_MINUTE,
      failuresPerHour: e.RATE_LIMIT_SIGNIN_FAILURES_PER_HOUR,
      accountFailuresPerHour: e.RATE_LIMIT_SIGNIN_ACCOUNT_FAILURES_PER_HOUR,
    }),
    moderatorSessions: Object.freeze({ idleMinutes: e.ADMIN_SESSION_IDLE_MINUTES, hours: e.ADMIN_SESSION_HOURS }),
    commenters: Object.freeze({
      ssoSecret: e.SSO_SECRET,
      ssoBadge: e.SSO_BADGE,
      ssoTrusted: e.SSO_TRUSTED === '1',
      oidc:
        e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
          ? Object.freeze({ issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET, nameClaim: e.OIDC_NAME_CLAIM })
          : null,
      sessionHours: e.COMMENTER_SESSION_HOURS,
      guests: e.GUEST_COMMENTS === 'on',
    }),
  });
}

/** The text of `--help`: every key with its default and meaning. */
export function configHelp(): string {
  const width = Math.max(...CONFIG_KEYS.map((k) => k.key.length));
  const rows = CONFIG_KEYS.map((k) => {
    const def = k.default === '' ? '(unset)' : k.default;
    return `  ${k.key.padEnd(width)}  default: ${def}\n  ${' '.repeat(width)}  ${k.description}`;
  });
  return ['Parley — self-hosted comments', '', 'Usage: node dist/main.js [--help]', '', 'Configuration (environment variables):', ...rows, ''].join('\n');
}
