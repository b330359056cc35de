/**
 * OpenID Connect sign-in against a real provider on 127.0.0.1 (oidc-provider): the popup's start page sends the browser
 * to the provider with PKCE, state and nonce; the callback checks them and answers a page that posts the session to the
 * opener's exact origin, with COOP unsafe-none so the popup keeps its opener. The session then posts signed-in comments,
 * and a verified provider email counts as a returning commenter's proof.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, signInAtProvider, startOidcProvider, type AccountClaims, type TestProvider } from '../support/oidc-provider.js';

const PUBLIC_URL = 'http://127.0.0.1:9';
const CALLBACK = `${PUBLIC_URL}/auth/oidc/callback`;
const SITE = 'https://news.example.org';

let app: TestApp | undefined;
let provider: TestProvider | undefined;
afterEach(async () => {
  await app?.close();
  await provider?.close();
  app = undefined;
  provider = undefined;
});

async function setUp(accounts: Record<string, AccountClaims> = {}, env: Record<string, string> = {}) {
  provider = await startOidcProvider(CALLBACK, accounts);
  // Real time: the provider's tokens are checked against the app's clock.
  app = await createTestApp({
    PUBLIC_URL,
    ALLOWED_ORIGINS: SITE,
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    ...env,
  });
  app.clock.now = Date.now();
  return app;
}

/** Start → provider login and consent → callback; returns the callback's answer. */
async function signIn(a: TestApp, login: string, origin = SITE) {
  const start = await request(a.http).get('/auth/oidc/start').query({ origin });
  expect(start.status).toBe(303);
  const cookie = start.headers['set-cookie'] as unknown as string[];
  const back = await signInAtProvider(start.headers.location as string, login, CALLBACK);
  const path = back.slice(PUBLIC_URL.length);
  return { start, callback: await request(a.http).get(path).set('Cookie', cookie.map((c) => c.split(';')[0]).join('; ')) };
}

function messageOf(page: string): { message: Record<string, unknown>; origin: string } {
  const m = /postMessage\((.*),("[^"]*")\);window\.close/.exec(page);
  if (!m) throw new Error(`no postMessage in ${page.slice(0, 400)}`);
  return { message: JSON.parse(m[1]!) as Record<string, unknown>, origin: JSON.parse(m[2]!) as string };
}

describe('OpenID Connect sign-in', () => {
  it('sends the popup to the provider with PKCE (S256), state and nonce, keeping them in an HttpOnly cookie', async () => {
    const a = await setUp();
    const start = await request(a.http).get('/auth/oidc/start').query({ origin: SITE });
    expect(start.status).toBe(303);
    const to = new URL(start.headers.location as string);
    expect(to.origin).toBe(provider!.issuer);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: OIDC_CLIENT_ID,
      redirect_uri: CALLBACK,
      response_type: 'code',
      code_challenge_method: 'S256',
      scope: 'openid profile email',
    });
    for (const p of ['code_challenge', 'state', 'nonce']) expect(to.searchParams.get(p)).toMatch(/^[\w-]{22,}$/);
    const cookie = (start.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^parley_oidc=[\w.-]+; Max-Age=600; Path=\/auth\/oidc; HttpOnly; SameSite=Lax$/);
    // Sealed: the verifier is not readable from the cookie.
    expect(cookie).not.toContain(to.searchParams.get('state'));
    expect(start.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    const form = await request(a.http).get('/api/v1/form-token').query({ url: ARTICLE });
    expect(form.body.signIn).toEqual({ guests: true, oidc: `${PUBLIC_URL}/auth/oidc/start` });
  });

  it('rate limits the popup pages per IP with the read limit', async () => {
    const a = await setUp({}, { RATE_LIMIT_READS_PER_MINUTE: '2' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(a.http).get('/auth/oidc/start').query({ origin: SITE })).status);
    expect(statuses).toEqual([303, 303, 429]);
  });

  it('refuses to start for a site that is not in ALLOWED_ORIGINS', async () => {
    const a = await setUp();
    const res = await request(a.http).get('/auth/oidc/start').query({ origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).not.toContain('postMessage');
  });

  it('hands a session to the opener at its exact origin, and the session posts comments without showing the email', async () => {
    const a = await setUp({ alice: { name: 'Alice Example', email: 'alice.canary@oidc-probe.example', picture: 'https://img.example/alice.png' } });
    const { callback } = await signIn(a, 'alice');
    expect(callback.status).toBe(200);
    expect(callback.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    expect(callback.headers['content-security-policy']).toMatch(/script-src 'nonce-[^']+'/);
    expect(callback.headers['set-cookie']?.[0]).toMatch(/^parley_oidc=; Max-Age=0/);
    const { message, origin } = messageOf(callback.text);
    expect(origin).toBe(SITE);
    expect(message).toMatchObject({ type: 'parley:session', commenter: { name: 'Alice Example', provider: 'oidc', badge: null, avatarUrl: 'https://img.example/alice.png' } });
    expect(callback.text).not.toContain('alice.canary');
    const { name: _n, email: _e, ...signedIn } = validComment({ body: 'Signed in with OpenID' });
    const posted = await request(a.http).post('/api/v1/comments').set('Authorization', `Bearer ${message.session as string}`).send(signedIn);
    expect(posted.status).toBe(201);
    expect(posted.body.comment.author).toMatchObject({ name: 'Alice Example', avatarUrl: 'https://img.example/alice.png' });
    expect(posted.text).not.toContain('alice.canary');
    expect((await a.storage.getComment(posted.body.comment.id))?.author.email).toBe('alice.canary@oidc-probe.example');
  });

  it('refuses a callback whose state does not match, one without the cookie, and one replayed', async () => {
    const a = await setUp();
    const { start, callback } = await signIn(a, 'bob');
    expect(callback.status).toBe(200);
    const code = new URL(start.headers.location as string);
    // Replayed: the same callback URL with the same cookie again (the code is single-use at the provider, the cookie is gone).
    const again = await request(a.http).get('/auth/oidc/callback').query({ code: 'x', state: code.searchParams.get('state')! });
    expect(again.status).toBe(401);
    expect(again.text).not.toContain('parley:session');
    const second = await request(a.http).get('/auth/oidc/start').query({ origin: SITE });
    const cookie = (second.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    const forged = await request(a.http).get('/auth/oidc/callback').query({ code: 'abc', state: 'not-the-state' }).set('Cookie', cookie);
    expect(forged.status).toBe(401);
    expect(messageOf(forged.text)).toEqual({ message: { type: 'parley:sign-in-failed', code: 'sso_invalid' }, origin: SITE });
  });

  it("counts the provider's verified email as a returning commenter's proof, and an unverified one not", async () => {
    const TOKEN = 'moderator-token-0123456789-abcdefghijkl';
    const a = await setUp({ carol: { email: 'carol@oidc-probe.example', email_verified: true }, dave: { email: 'carol@oidc-probe.example', email_verified: false } }, {
      MODERATION: 'first-time',
      ADMIN_TOKEN: TOKEN,
      MIN_SUBMIT_SECONDS: '0',
    });
    const guest = await request(a.http).post('/api/v1/comments').send(validComment({ email: 'carol@oidc-probe.example', body: 'as a guest first' }));
    expect(guest.body.status).toBe('pending');
    await request(a.http).post(`/api/v1/admin/comments/${guest.body.comment.id}/approve`).set('Authorization', `Bearer ${TOKEN}`).send({}).expect(200);
    // A form token of the app's (real-time) clock, so no check holds the post: only the first-time rule decides.
    const formToken = (await request(a.http).get('/api/v1/form-token').query({ url: ARTICLE })).body.token as string;
    const { name: _n, email: _e, ...signedIn } = validComment({ body: 'now signed in', formToken });
    const carol = messageOf((await signIn(a, 'carol')).callback.text).message.session as string;
    expect((await request(a.http).post('/api/v1/comments').set('Authorization', `Bearer ${carol}`).send(signedIn)).body.status).toBe('approved');
    const dave = messageOf((await signIn(a, 'dave')).callback.text).message.session as string;
    expect((await request(a.http).post('/api/v1/comments').set('Authorization', `Bearer ${dave}`).send({ ...signedIn, body: 'unverified' })).body.status).toBe('pending');
  });

  it('answers 503 provider_unavailable to the opener when the provider cannot be reached', async () => {
    app = await createTestApp({ PUBLIC_URL, ALLOWED_ORIGINS: SITE, OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID, OIDC_CLIENT_SECRET });
    const res = await request(app.http).get('/auth/oidc/start').query({ origin: SITE });
    expect(res.status).toBe(503);
    expect(messageOf(res.text)).toEqual({ message: { type: 'parley:sign-in-failed', code: 'provider_unavailable' }, origin: SITE });
    expect(app.logText()).toContain('OpenID Connect sign-in failed');
  });
});
