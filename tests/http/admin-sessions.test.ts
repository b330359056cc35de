/**
 * Moderator accounts through HTTP on SQLite: sign-in, the session cookie, idle and absolute expiry, sign-out, session
 * fixation, CSRF, revocation (disable, password reset), roles, sign-in rate limits, and naming the person in the audit
 * log, replies and Akismet feedback. Bearer tokens keep working as before.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { createHash } from 'node:crypto';
import type { Moderator } from '../../src/domain/moderator.js';
import { hashPassword } from '../../src/moderators/password.js';
import { FAKE_AKISMET_KEY, startFakeAkismet, type FakeAkismet } from '../support/fake-akismet.js';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';

jest.setTimeout(60_000);

const TOKEN = `${'k'.repeat(20)}-moderator-token-0123456789`;
const PASSWORD = 'correct horse battery staple';
const EMAIL = 'maria.editor@newsroom.example';
let app: TestApp;
afterEach(async () => {
  await app?.close();
});

let seq = 0;
/** Hashed once for every account these tests add (scrypt costs some 70 ms a hash); each still verifies at sign-in. */
let passwordHash: Promise<string> | undefined;
async function addModerator(role: Moderator['role'], extra: Partial<Moderator> = {}): Promise<Moderator> {
  seq += 1;
  const m: Moderator = {
    id: `01MOD${String(seq).padStart(4, '0')}`,
    // The first account of each app is EMAIL's.
    email: (await app.storage.findModeratorByEmail(EMAIL)) ? `mod${seq}@newsroom.example` : EMAIL,
    name: role === 'admin' ? `Ada Admin ${seq}` : `Maria Editor ${seq}`,
    role,
    disabled: false,
    passwordHash: await (passwordHash ??= hashPassword(PASSWORD)),
    createdAt: new Date(app.clock.now),
    updatedAt: new Date(app.clock.now),
    ...extra,
  };
  await app.storage.insertModerator(m);
  return m;
}

interface Session {
  cookie: string;
  id: string;
  csrf: string;
  setCookie: string;
}

const api = (path: string) => `/api/v1/admin${path}`;

async function signIn(m: Pick<Moderator, 'email'>, password = PASSWORD, headers: Record<string, string> = {}): Promise<Session> {
  const res = await request(app.http).post(api('/session')).set(headers).send({ email: m.email, password });
  expect(res.status).toBe(200);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '';
  const id = /^parley_admin=([^;]+)/.exec(setCookie)?.[1] ?? '';
  return { cookie: `parley_admin=${id}`, id, csrf: res.body.csrfToken, setCookie };
}

const as = (s: Session) => ({
  get: (path: string) => request(app.http).get(api(path)).set('Cookie', s.cookie),
  post: (path: string, body: object = {}, csrf: string | null = s.csrf) => {
    const r = request(app.http).post(api(path)).set('Cookie', s.cookie);
    return (csrf === null ? r : r.set('X-CSRF-Token', csrf)).send(body);
  },
  del: (path: string) => request(app.http).delete(api(path)).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf),
});

async function postComment(overrides: Record<string, unknown> = {}): Promise<string> {
  seq += 1;
  const res = await request(app.http).post('/api/v1/comments').send(validComment({ body: `comment ${seq}`, ...overrides }));
  expect(res.status).toBe(201);
  return res.body.comment.id as string;
}

describe('signing in', () => {
  it('gives a session cookie that is HttpOnly, SameSite=Strict, limited to the admin API, and stores only its hash', async () => {
    app = await createTestApp();
    const m = await addModerator('moderator');
    const res = await request(app.http).post(api('/session')).send({ email: '  MARIA.Editor@newsroom.example ', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ moderator: { id: m.id, name: m.name, role: 'moderator' }, via: 'session', csrfToken: expect.any(String), expiresAt: expect.any(String) });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^parley_admin=[\w-]{43};/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\/api\/v1\/admin;/);
    expect(setCookie).toMatch(/; Max-Age=43200;/);
    expect(setCookie).not.toMatch(/Secure/);
    const id = /^parley_admin=([^;]+)/.exec(setCookie)![1]!;
    expect(await app.storage.getModeratorSession(id)).toBeUndefined();
    const hash = createHash('sha256').update(id).digest('base64url');
    expect(await app.storage.getModeratorSession(hash)).toMatchObject({ moderatorId: m.id });
    expect(JSON.stringify(res.body)).not.toContain(EMAIL);
  });

  it('marks the cookie Secure behind an HTTPS proxy (TRUST_PROXY) and when PUBLIC_URL is https', async () => {
    app = await createTestApp({ TRUST_PROXY: '1' });
    await addModerator('moderator');
    const proxied = await signIn({ email: EMAIL }, PASSWORD, { 'X-Forwarded-Proto': 'https' });
    expect(proxied.setCookie).toMatch(/; Secure/);
    await app.close();
    app = await createTestApp({ PUBLIC_URL: 'https://comments.example.org' });
    await addModerator('moderator', { email: EMAIL, id: '01OTHER' });
    expect((await signIn({ email: EMAIL })).setCookie).toMatch(/; Secure/);
  });

  it('answers a wrong password, an unknown account and a disabled account alike, and audits each without the email', async () => {
    app = await createTestApp();
    const m = await addModerator('moderator');
    await addModerator('moderator', { email: 'off@newsroom.example', disabled: true });
    const tries = [
      { email: EMAIL, password: 'wrong password!!' },
      { email: 'nobody@newsroom.example', password: PASSWORD },
      { email: 'off@newsroom.example', password: PASSWORD },
    ];
    for (const body of tries) {
      const res = await request(app.http).post(api('/session')).send(body);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'unauthorized', message: 'Wrong email or password.' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const { entries } = await app.storage.listAudit({ cursor: null, limit: 10 });
    expect(entries.map((e) => [e.action, e.reason])).toEqual([
      ['sign_in_failed', 'disabled'],
      ['sign_in_failed', 'unknown_account'],
      ['sign_in_failed', 'wrong_password'],
    ]);
    expect(entries[2]!.actor).toBe(`${m.name} [${m.id}]`);
    expect(entries[1]!.actor).toBe('unknown account');
    const everything = JSON.stringify(entries) + app.logText();
    expect(everything).not.toMatch(/newsroom\.example/);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain('wrong password!!');
    expect(app.logText()).toMatch(/admin sign-in failed/);
  });

  it('refuses bad sign-in bodies with field errors, never a 500', async () => {
    app = await createTestApp();
    await addModerator('moderator');
    const cases: [unknown, Record<string, string>][] = [
      [{}, { email: 'required', password: 'required' }],
      [{ email: EMAIL }, { password: 'required' }],
      [{ email: { $ne: null }, password: PASSWORD }, { email: 'invalid' }],
      [{ email: EMAIL, password: 'x'.repeat(2000) }, { password: 'too_long' }],
    ];
    for (const [body, fields] of cases) {
      const res = await request(app.http).post(api('/session')).send(body as object);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', fields });
    }
  });

  it('turns the admin API and page on without ADMIN_TOKEN once an account exists', async () => {
    app = await createTestApp();
    expect((await request(app.http).get(api('/comments'))).status).toBe(404);
    expect((await request(app.http).get('/admin')).status).toBe(404);
    await addModerator('admin');
    expect((await request(app.http).get(api('/comments'))).status).toBe(401);
    expect((await request(app.http).get('/admin')).status).toBe(200);
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    app = await createTestApp();
    await addModerator('moderator');
    for (const headers of [{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }]) {
      const res = await request(app.http).post(api('/session')).set(headers).send({ email: EMAIL, password: PASSWORD });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('csrf_failed');
    }
    const same = await request(app.http).post(api('/session')).set('Sec-Fetch-Site', 'same-origin').send({ email: EMAIL, password: PASSWORD });
    expect(same.status).toBe(200);
  });
});

describe('the session', () => {
  it('works the queue with the cookie and tells who is signed in', async () => {
    app = await createTestApp({ MODERATION: 'all' });
    const m = await addModerator('moderator');
    const s = await signIn(m);
    const me = await as(s).get('/session');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ moderator: { id: m.id, name: m.name, role: 'moderator' }, via: 'session', csrfToken: s.csrf });
    const id = await postComment();
    const queue = await as(s).get('/comments?status=pending');
    expect(queue.body.comments.map((c: { id: string }) => c.id)).toEqual([id]);
  });

  it('issues a new session id at every sign-in and ends the one the browser presented (no fixation)', async () => {
    app = await createTestApp();
    const m = await addModerator('moderator');
    const first = await signIn(m);
    const planted = 'attacker-chosen-session-id-0123456789abcdef';
    const second = await signIn(m, PASSWORD, { Cookie: `${first.cookie}` });
    expect(second.id).not.toBe(first.id);
    expect((await as(first).get('/session')).status).toBe(401);
    expect((await as(second).get('/session')).status).toBe(200);
    const third = await signIn(m, PASSWORD, { Cookie: `parley_admin=${planted}` });
    expect(third.id).not.toBe(planted);
    expect((await request(app.http).get(api('/session')).set('Cookie', `parley_admin=${planted}`)).status).toBe(401);
  });

  it('ends after ADMIN_SESSION_IDLE_MINUTES without a request', async () => {
    app = await createTestApp({ ADMIN_SESSION_IDLE_MINUTES: '30' });
    const s = await signIn(await addModerator('moderator'));
    app.clock.advance(29 * 60_000);
    expect((await as(s).get('/session')).status).toBe(200);
    app.clock.advance(29 * 60_000);
    expect((await as(s).get('/session')).status).toBe(200);
    app.clock.advance(30 * 60_000);
    expect((await as(s).get('/session')).status).toBe(401);
  });

  it('ends ADMIN_SESSION_HOURS after sign-in however active', async () => {
    app = await createTestApp({ ADMIN_SESSION_IDLE_MINUTES: '30', ADMIN_SESSION_HOURS: '2' });
    const s = await signIn(await addModerator('moderator'));
    for (let i = 0; i < 5; i += 1) {
      app.clock.advance(20 * 60_000);
      expect((await as(s).get('/session')).status).toBe(200);
    }
    app.clock.advance(20 * 60_000);
    expect((await as(s).get('/session')).status).toBe(401);
  });

  it('signs out: the session is revoked and the cookie cleared', async () => {
    app = await createTestApp();
    const m = await addModerator('moderator');
    const s = await signIn(m);
    const out = await as(s).del('/session');
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^parley_admin=;.*Expires=Thu, 01 Jan 1970/);
    expect((await as(s).get('/session')).status).toBe(401);
    const { entries } = await app.storage.listAudit({ cursor: null, limit: 1 });
    expect(entries[0]).toMatchObject({ action: 'sign_out', actor: `${m.name} [${m.id}]` });
  });

  it('refuses a moderator disabled mid-session, and one whose password was reset, on the very next request', async () => {
    app = await createTestApp({ ADMIN_TOKEN: `ops:${TOKEN}` });
    const m = await addModerator('moderator');
    const other = await addModerator('moderator');
    const s = await signIn(m);
    const o = await signIn(other);
    expect((await as(s).get('/comments')).status).toBe(200);
    const disabled = await request(app.http).post(api(`/moderators/${m.id}/disable`)).set('Authorization', `Bearer ${TOKEN}`).send({});
    expect(disabled.status).toBe(200);
    expect(disabled.body.moderator).toMatchObject({ id: m.id, disabled: true });
    expect((await as(s).get('/comments')).status).toBe(401);
    // Enabling again does not bring the old session back.
    await request(app.http).post(api(`/moderators/${m.id}/enable`)).set('Authorization', `Bearer ${TOKEN}`).send({});
    expect((await as(s).get('/comments')).status).toBe(401);
    const reset = await request(app.http).post(api(`/moderators/${other.id}/password`)).set('Authorization', `Bearer ${TOKEN}`).send({ password: 'another long passphrase' });
    expect(reset.status).toBe(200);
    expect((await as(o).get('/comments')).status).toBe(401);
    expect((await request(app.http).post(api('/session')).send({ email: other.email, password: PASSWORD })).status).toBe(401);
    await signIn(other, 'another long passphrase');
  });

  it('refuses a moderator disabled directly in the store on the next request, even with the session still stored', async () => {
    app = await createTestApp();
    const m = await addModerator('moderator');
    const s = await signIn(m);
    await app.storage.updateModerator(m.id, { disabled: true, updatedAt: new Date(app.clock.now) });
    expect((await as(s).get('/comments')).status).toBe(401);
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request with the cookie but without the token, with a wrong one, or from another origin', async () => {
    app = await createTestApp({ MODERATION: 'all' });
    const s = await signIn(await addModerator('moderator'));
    const id = await postComment();
    const missing = await as(s).post(`/comments/${id}/approve`, {}, null);
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('csrf_failed');
    const wrong = await as(s).post(`/comments/${id}/approve`, {}, `${s.csrf.slice(0, -2)}AA`);
    expect(wrong.body.error.code).toBe('csrf_failed');
    const evil = await as(s).post(`/comments/${id}/approve`).set('Origin', 'https://evil.example');
    expect(evil.status).toBe(403);
    const crossSite = await as(s).post(`/comments/${id}/approve`).set('Sec-Fetch-Site', 'same-site');
    expect(crossSite.status).toBe(403);
    expect((await app.storage.getComment(id))?.status).toBe('pending');
    const ok = await as(s).post(`/comments/${id}/approve`).set('Sec-Fetch-Site', 'same-origin');
    expect(ok.status).toBe(200);
    expect(ok.body.comment.status).toBe('approved');
  });

  it("does not accept another session's token", async () => {
    app = await createTestApp({ MODERATION: 'all' });
    const a = await signIn(await addModerator('moderator'));
    const b = await signIn(await addModerator('moderator'));
    const id = await postComment();
    expect((await as(a).post(`/comments/${id}/approve`, {}, b.csrf)).status).toBe(403);
  });

  it('asks nothing more of bearer-token requests (automation), which stay labelled as configured', async () => {
    app = await createTestApp({ MODERATION: 'all', ADMIN_TOKEN: `ops:${TOKEN}` });
    const id = await postComment();
    const res = await request(app.http).post(api(`/comments/${id}/approve`)).set('Authorization', `Bearer ${TOKEN}`).set('Origin', 'https://elsewhere.example').send({});
    expect(res.status).toBe(200);
    const { entries } = await app.storage.listAudit({ commentId: id, cursor: null, limit: 1 });
    expect(entries[0]).toMatchObject({ actor: 'ops', action: 'approve' });
  });
});

describe('roles', () => {
  it('lets a moderator moderate but not manage accounts, bans or people’s data (403 role_required)', async () => {
    app = await createTestApp({ MODERATION: 'all' });
    const s = await signIn(await addModerator('moderator'));
    const id = await postComment();
    expect((await as(s).post(`/comments/${id}/approve`)).status).toBe(200);
    const refused = [
      await as(s).get('/moderators'),
      await as(s).post('/moderators', { email: 'x@newsroom.example', name: 'X', role: 'admin', password: PASSWORD }),
      await as(s).get('/bans'),
      await as(s).post('/bans', { email: 'troll@example.org' }),
      await as(s).get('/authors/export?email=ada@example.org'),
      await as(s).post('/authors/erase', { email: 'ada@example.org', mode: 'delete' }),
      await as(s).get('/webhooks/deliveries'),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role_required');
    }
    expect(await app.storage.listBans()).toEqual([]);
  });

  it('lets an admin manage accounts through the API: add, list, disable, enable, reset, with field errors and conflicts', async () => {
    app = await createTestApp();
    const boss = await addModerator('admin');
    const s = await signIn(boss);
    app.clock.advance(1000);
    const added = await as(s).post('/moderators', { email: 'New.Person@Newsroom.example', name: 'New Person', role: 'moderator', password: PASSWORD });
    expect(added.status).toBe(201);
    expect(added.body.moderator).toEqual({ id: expect.any(String), email: 'new.person@newsroom.example', name: 'New Person', role: 'moderator', disabled: false, createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(JSON.stringify(added.body)).not.toMatch(/scrypt|passwordHash/);
    const list = await as(s).get('/moderators');
    expect(list.body.moderators.map((x: { name: string }) => x.name)).toEqual([boss.name, 'New Person']);
    const bad = await as(s).post('/moderators', { email: 'nope', name: '', role: 'owner', password: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toMatchObject({ name: 'required', role: 'invalid' });
    const weak = await as(s).post('/moderators', { email: 'weak@newsroom.example', name: 'Weak', role: 'moderator', password: 'short' });
    expect(weak.body.error.fields).toEqual({ password: 'too_short' });
    const twice = await as(s).post('/moderators', { email: 'new.person@newsroom.example', name: 'Again', role: 'moderator', password: PASSWORD });
    expect(twice.status).toBe(409);
    expect(JSON.stringify(twice.body)).not.toContain('new.person');
    const last = await as(s).post(`/moderators/${boss.id}/disable`);
    expect(last.status).toBe(409);
    expect((await as(s).post('/moderators/nobody/disable')).status).toBe(404);
    const { entries } = await app.storage.listAudit({ cursor: null, limit: 1 });
    expect(entries[0]).toMatchObject({ actor: `${boss.name} [${boss.id}]`, action: 'moderator_add', reason: expect.stringMatching(/^New Person \[\w+\] as moderator$/) });
  });
});

describe('naming the person', () => {
  let fake: FakeAkismet;
  beforeAll(async () => {
    fake = await startFakeAkismet();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('names the moderator in the audit log, on their reply and as the reporter of Akismet feedback', async () => {
    fake.reset();
    app = await createTestApp({ AKISMET_KEY: FAKE_AKISMET_KEY, AKISMET_ENDPOINT: fake.url, AKISMET_TIMEOUT_MS: '500', ADMIN_TOKEN: `ops:${TOKEN}` });
    const m = await addModerator('moderator');
    const s = await signIn(m);
    const id = await postComment({ name: 'Ada' });
    expect((await as(s).post(`/comments/${id}/spam`)).status).toBe(200);
    await app.moderation.drain();
    const sent = fake.requestsTo('submit-spam');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.params.reporter).toBe(`${m.name} [${m.id}]`);
    expect(JSON.stringify(sent[0]!.params)).not.toContain(EMAIL);
    const audit = await app.storage.listAudit({ commentId: id, cursor: null, limit: 1 });
    expect(audit.entries[0]).toMatchObject({ actor: `${m.name} [${m.id}]`, action: 'spam' });

    const parent = await postComment({ name: 'Bea' });
    const reply = await as(s).post(`/comments/${parent}/reply`, { body: 'Thanks, fixed.' });
    expect(reply.status).toBe(201);
    expect(reply.body.comment.author).toMatchObject({ name: m.name, moderator: true });
    const replyAudit = await app.storage.listAudit({ commentId: reply.body.comment.id, cursor: null, limit: 1 });
    expect(replyAudit.entries[0]).toMatchObject({ actor: `${m.name} [${m.id}]`, action: 'reply' });

    const viaToken = await postComment({ name: 'Cy' });
    await request(app.http).post(api(`/comments/${viaToken}/spam`)).set('Authorization', `Bearer ${TOKEN}`).send({});
    await app.moderation.drain();
    expect(fake.requestsTo('submit-spam')[1]!.params.reporter).toBe('ops');
  });
});

describe('sign-in rate limits', () => {
  it('counts failures per account and IP: the guesser is stopped, the moderator elsewhere still signs in', async () => {
    app = await createTestApp({ TRUST_PROXY: '1', RATE_LIMIT_SIGNIN_FAILURES_PER_HOUR: '3' });
    const m = await addModerator('moderator');
    const from = (ip: string, password: string) => request(app.http).post(api('/session')).set('X-Forwarded-For', ip).send({ email: m.email, password });
    for (let i = 0; i < 3; i += 1) expect((await from('203.0.113.66', 'guess number one')).status).toBe(401);
    const limited = await from('203.0.113.66', PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    // The failure counters are private: no header tells how many guesses are left for the account.
    expect(String(limited.headers.ratelimit)).not.toMatch(/signin-account/);
    expect((await from('198.51.100.7', PASSWORD)).status).toBe(200);
  });

  it('does not count successful sign-ins', async () => {
    app = await createTestApp({ RATE_LIMIT_SIGNIN_FAILURES_PER_HOUR: '2', RATE_LIMIT_SIGNIN_ACCOUNT_FAILURES_PER_HOUR: '2' });
    const m = await addModerator('moderator');
    for (let i = 0; i < 4; i += 1) await signIn(m);
  });

  it('caps failures per account from all addresses together', async () => {
    app = await createTestApp({ TRUST_PROXY: '1', RATE_LIMIT_SIGNIN_ACCOUNT_FAILURES_PER_HOUR: '4' });
    const m = await addModerator('moderator');
    for (let i = 0; i < 4; i += 1) {
      expect((await request(app.http).post(api('/session')).set('X-Forwarded-For', `192.0.2.${i + 1}`).send({ email: m.email, password: 'wrong guess here' })).status).toBe(401);
    }
    const res = await request(app.http).post(api('/session')).set('X-Forwarded-For', '192.0.2.99').send({ email: m.email, password: 'wrong guess again' });
    expect(res.status).toBe(429);
    // Another account is not affected.
    const other = await addModerator('moderator');
    expect((await request(app.http).post(api('/session')).set('X-Forwarded-For', '192.0.2.99').send({ email: other.email, password: PASSWORD })).status).toBe(200);
  });

  it('limits sign-in attempts per IP whatever the account', async () => {
    app = await createTestApp({ RATE_LIMIT_SIGNIN_PER_MINUTE: '2' });
    await addModerator('moderator');
    for (let i = 0; i < 2; i += 1) await request(app.http).post(api('/session')).send({ email: `x${i}@newsroom.example`, password: 'whatever it is' });
    expect((await request(app.http).post(api('/session')).send({ email: EMAIL, password: PASSWORD })).status).toBe(429);
  });
});
