import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CONFIG_KEYS, ConfigError, configHelp, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { loadOrCreateSecret } from '../src/secret-file.js';

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('validates the signed-in commenter keys: SSO secret length, OIDC all-or-none with PUBLIC_URL and ALLOWED_ORIGINS, guests off needs a sign-in', () => {
    expect(Object.keys(problemsOf({ SSO_SECRET: 'short', SSO_BADGE: '<b>', SSO_TRUSTED: 'yes', COMMENTER_SESSION_HOURS: '0' })).sort()).toEqual([
      'COMMENTER_SESSION_HOURS',
      'SSO_BADGE',
      'SSO_SECRET',
      'SSO_TRUSTED',
    ]);
    expect(Object.keys(problemsOf({ OIDC_ISSUER: 'https://id.example.org' })).sort()).toEqual(['ALLOWED_ORIGINS', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'PUBLIC_URL']);
    expect(Object.keys(problemsOf({ GUEST_COMMENTS: 'off' }))).toEqual(['GUEST_COMMENTS']);
    const c = loadConfig({
      SSO_SECRET: 's'.repeat(32),
      SSO_BADGE: 'Subscriber',
      SSO_TRUSTED: '1',
      GUEST_COMMENTS: 'off',
      OIDC_ISSUER: 'https://id.example.org',
      OIDC_CLIENT_ID: 'parley',
      OIDC_CLIENT_SECRET: 'client-secret',
      PUBLIC_URL: 'https://comments.example.org',
      ALLOWED_ORIGINS: 'https://news.example.org',
    });
    expect(c.commenters).toEqual({
      ssoSecret: 's'.repeat(32),
      ssoBadge: 'Subscriber',
      ssoTrusted: true,
      oidc: { issuer: 'https://id.example.org', clientId: 'parley', clientSecret: 'client-secret', nameClaim: 'name' },
      sessionHours: 24,
      guests: false,
    });
  });

  it('runs with no configuration at all, on the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toEqual({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: null,
      allowedOrigins: null,
      dataDir: './data',
      mongodbUri: null,
      mongodbTimeoutMs: 5000,
      secret: null,
      avatars: 'identicon',
      maxDepth: 5,
      editWindowMinutes: 15,
      trustProxy: 0,
      logLevel: 'info',
      moderation: 'first-time',
      akismet: { key: null, endpoint: null, timeoutMs: 3000, isTest: false, lang: 'en' },
      minSubmitSeconds: 3,
      formTokenMaxAgeHours: 24,
      maxLinks: 2,
      bannedWords: [],
      cacheMaxBytes: 64 * 1024 * 1024,
      cacheSharedMaxAge: 10,
      cacheCdnStaleSeconds: 30,
      retentionDays: 30,
      redisUrl: null,
      adminTokens: [],
      metricsToken: null,
      shutdownTimeoutMs: 10000,
      notify: { webhookUrls: [], webhookKey: null, smtpUrl: null, mailFrom: null, moderatorEmails: [], moderatorDigestMinutes: 0, moderatorLang: 'en', replyNotifications: true, readerLinksPerMinute: 10 },
      rateLimits: { postsPerMinute: 5, postsPerHour: 30, postsPerEmailPerHour: 10, readsPerMinute: 300, adminPerMinute: 120, editsPerMinute: 5, editsPerHour: 30 },
      moderatorSessions: { idleMinutes: 30, hours: 12 },
      signInLimits: { perMinute: 10, failuresPerHour: 10, accountFailuresPerHour: 100 },
      commenters: { ssoSecret: null, ssoBadge: null, ssoTrusted: false, oidc: null, sessionHours: 24, guests: true },
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.akismet)).toBe(true);
  });

  it('reads and normalises every key', () => {
    const c = loadConfig({
      PORT: '9000',
      PUBLIC_URL: 'https://comments.example.org/',
      ALLOWED_ORIGINS: 'https://News.Example.org:443/, http://localhost:3000',
      DATA_DIR: '/var/lib/parley',
      MONGODB_URI: 'mongodb://db:27017/parley',
      SECRET: 's'.repeat(32),
      AVATARS: 'gravatar',
      MAX_DEPTH: '3',
      EDIT_WINDOW_MINUTES: '0',
      TRUST_PROXY: '2',
      LOG_LEVEL: 'debug',
      MODERATION: 'all',
      AKISMET_KEY: 'abc123def456',
      AKISMET_ENDPOINT: 'http://127.0.0.1:4010/1.1/',
      AKISMET_TEST: '1',
      BANNED_WORDS: ' casino , cheap pills,,',
      REDIS_URL: 'redis://127.0.0.1:6379',
      ADMIN_TOKEN: `alice:${'a'.repeat(32)}, ${'b'.repeat(40)}`,
    });
    expect(c).toMatchObject({
      moderation: 'all',
      akismet: { key: 'abc123def456', endpoint: 'http://127.0.0.1:4010/1.1/', timeoutMs: 3000, isTest: true, lang: 'en' },
      bannedWords: ['casino', 'cheap pills'],
      redisUrl: 'redis://127.0.0.1:6379',
      adminTokens: [
        { label: 'alice', token: 'a'.repeat(32) },
        { label: 'admin-2', token: 'b'.repeat(40) },
      ],
      port: 9000,
      publicUrl: 'https://comments.example.org',
      allowedOrigins: ['https://news.example.org', 'http://localhost:3000'],
      mongodbUri: 'mongodb://db:27017/parley',
      avatars: 'gravatar',
      maxDepth: 3,
      editWindowMinutes: 0,
      trustProxy: 2,
      logLevel: 'debug',
    });
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ PORT: '', MONGODB_URI: '  ', ALLOWED_ORIGINS: '' })).toMatchObject({ port: 8080, mongodbUri: null, allowedOrigins: null });
  });

  it('lists every bad key in one error', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      AVATARS: 'robohash',
      MAX_DEPTH: '0',
      EDIT_WINDOW_MINUTES: '-1',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'loud',
      MONGODB_URI: 'postgres://x',
      SECRET: 'short',
      ALLOWED_ORIGINS: 'https://ok.example, https://bad.example/path',
      PUBLIC_URL: 'comments.example.org',
      MODERATION: 'sometimes',
      AKISMET_ENDPOINT: 'http://127.0.0.1:4010/1.1',
      REDIS_URL: '127.0.0.1:6379',
      RATE_LIMIT_POSTS_PER_MINUTE: '0',
      ADMIN_TOKEN: 'ops:short-token',
      METRICS_TOKEN: 'tiny',
      SHUTDOWN_TIMEOUT_MS: 'soon',
    });
    expect(Object.keys(problems).sort()).toEqual(
      [
        'ALLOWED_ORIGINS',
        'AVATARS',
        'EDIT_WINDOW_MINUTES',
        'LOG_LEVEL',
        'MAX_DEPTH',
        'MONGODB_URI',
        'PORT',
        'PUBLIC_URL',
        'SECRET',
        'TRUST_PROXY',
        'MODERATION',
        'AKISMET_ENDPOINT',
        'REDIS_URL',
        'RATE_LIMIT_POSTS_PER_MINUTE',
        'ADMIN_TOKEN',
        'METRICS_TOKEN',
        'SHUTDOWN_TIMEOUT_MS',
      ].sort(),
    );
    expect(problems.PORT).toMatch(/whole number between 1 and 65535/);
    expect(problems.AVATARS).toMatch(/identicon, gravatar/);
  });

  it('never echoes a secret value in its error', () => {
    try {
      loadConfig({ SECRET: 'tiny-secret-value', AKISMET_KEY: 'bad key value!' });
      throw new Error('expected failure');
    } catch (err) {
      expect((err as Error).message).toContain('SECRET');
      expect((err as Error).message).not.toContain('tiny-secret-value');
      expect((err as Error).message).toContain('AKISMET_KEY');
      expect((err as Error).message).not.toContain('bad key value!');
    }
    try {
      loadConfig({ ADMIN_TOKEN: 'ops:short-secret-token' });
      throw new Error('expected failure');
    } catch (err) {
      expect((err as Error).message).toContain('ADMIN_TOKEN');
      expect((err as Error).message).not.toContain('short-secret-token');
    }
  });

  it('writes moderator mails in MODERATOR_LANG, else in the first SITE_LANG code the widget speaks, else English', () => {
    expect(loadConfig({ MODERATOR_LANG: 'de' }).notify.moderatorLang).toBe('de');
    expect(loadConfig({ MODERATOR_LANG: 'zh' }).notify.moderatorLang).toBe('zh-CN');
    expect(loadConfig({ SITE_LANG: 'fr_ca, en' }).notify.moderatorLang).toBe('fr');
    expect(loadConfig({ SITE_LANG: 'it, fr' }).notify.moderatorLang).toBe('en');
    expect(Object.keys(problemsOf({ MODERATOR_LANG: 'it' }))).toEqual(['MODERATOR_LANG']);
  });

  it.each(['-1', '1441', '2.5'])('refuses MODERATOR_DIGEST_MINUTES=%s', (minutes) => {
    expect(Object.keys(problemsOf({ MODERATOR_DIGEST_MINUTES: minutes }))).toEqual(['MODERATOR_DIGEST_MINUTES']);
    expect(loadConfig({ MODERATOR_DIGEST_MINUTES: '30' }).notify.moderatorDigestMinutes).toBe(30);
  });

  it.each(['70000', '0', '80.5', '1e3'])('refuses PORT=%s', (port) => {
    expect(Object.keys(problemsOf({ PORT: port }))).toEqual(['PORT']);
  });

  it('documents every key in .env.example, in --help and in the README', () => {
    const example = fs.readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const help = configHelp();
    for (const k of CONFIG_KEYS) {
      expect(example).toMatch(new RegExp(`^#? ?${k.key}=`, 'm'));
      expect(help).toContain(k.key);
      expect(readme).toContain(`| \`${k.key}\` |`);
    }
  });
});

describe('generated secret', () => {
  it('is created once with mode 0600 and reused on the next start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-secret-'));
    const logger = createLogger('silent');
    const first = loadOrCreateSecret(path.join(dir, 'nested'), logger);
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dir, 'nested', 'secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecret(path.join(dir, 'nested'), logger)).toBe(first);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a secret file that is too short', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-secret-'));
    fs.writeFileSync(path.join(dir, 'secret'), 'short\n');
    expect(() => loadOrCreateSecret(dir, createLogger('silent'))).toThrow(/fewer than 32/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('notification settings', () => {
  const key = Buffer.alloc(32, 7);
  const secret = `whsec_${key.toString('base64')}`;

  it('decodes the webhook secret and lists the webhook URLs', () => {
    const c = loadConfig({ WEBHOOK_URLS: 'https://hooks.example.org/a, http://127.0.0.1:9/b', WEBHOOK_SECRET: secret });
    expect(c.notify.webhookUrls).toEqual(['https://hooks.example.org/a', 'http://127.0.0.1:9/b']);
    expect(c.notify.webhookKey?.equals(key)).toBe(true);
  });

  it('refuses webhook URLs without a secret, a malformed secret, a non-http URL and SMTP without a sender, naming each key', () => {
    expect(() => loadConfig({ WEBHOOK_URLS: 'https://hooks.example.org/a' })).toThrow(/WEBHOOK_SECRET/);
    expect(() => loadConfig({ WEBHOOK_SECRET: 'whsec_short' })).toThrow(/WEBHOOK_SECRET/);
    expect(() => loadConfig({ WEBHOOK_SECRET: key.toString('base64') })).toThrow(/WEBHOOK_SECRET/);
    expect(() => loadConfig({ WEBHOOK_URLS: 'ftp://x.example.org', WEBHOOK_SECRET: secret })).toThrow(/WEBHOOK_URLS/);
    expect(() => loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' })).toThrow(/MAIL_FROM/);
    expect(() => loadConfig({ SMTP_URL: 'http://x', MAIL_FROM: 'a@b.c' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ MODERATOR_EMAILS: 'mod@example.org, not an address' })).toThrow(/MODERATOR_EMAILS/);
  });

  it('never puts the secret or SMTP credentials in the error message', () => {
    const messageOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return String(err);
      }
      return '';
    };
    const smtp = messageOf({ SMTP_URL: 'smtps://user:hunter2@mail.example.org' });
    expect(smtp).toMatch(/MAIL_FROM/);
    expect(smtp).not.toMatch(/hunter2/);
    const webhook = messageOf({ WEBHOOK_SECRET: 'whsec_!!notbase64' });
    expect(webhook).toMatch(/WEBHOOK_SECRET/);
    expect(webhook).not.toMatch(/notbase64/);
  });
});
