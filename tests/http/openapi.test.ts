/**
 * The API description against the running service: every public endpoint is called for real, and each answer
 * (success and error) must be listed in /api/v1/openapi.json for its path, method and status, with a body that the
 * documented JSON Schema (2020-12, validated by ajv) accepts.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import request from 'supertest';
import { HONEYPOT_FIELD } from '../../src/domain/comment.js';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { signSsoJwt, signSsoPlain, ssoClaims, SSO_SECRET } from '../support/sso-token.js';

const METRICS_TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface Doc {
  openapi: string;
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: { schemas: Record<string, object> };
}
interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}

const apps: TestApp[] = [];
async function app(env: Record<string, string> = {}): Promise<TestApp> {
  const a = await createTestApp(env);
  apps.push(a);
  return a;
}
afterAll(async () => {
  for (const a of apps) await a.close();
});

let doc: Doc;
let main: TestApp;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/);
ajv.addFormat('ipv4', { validate: (s: string) => isIPv4(s) });
ajv.addFormat('ipv6', { validate: (s: string) => isIPv6(s) });
const compiled = new Map<string, ValidateFunction>();

/** Compiles a schema of the document; its `#/components/...` references resolve inside the document's components. */
function validator(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile({ ...schema, components: doc.components });
    compiled.set(key, v);
  }
  return v;
}

const exercised = new Set<string>();

/** Fails unless the document lists this answer for this operation and its schema accepts the body. */
function conforms(method: Method, path: string, res: request.Response): void {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  const documented = op.responses[String(res.status)];
  if (!documented) {
    throw new Error(`${method.toUpperCase()} ${path} answered ${res.status}, which the document does not list: ${res.text.slice(0, 300)}`);
  }
  if (!documented.content) {
    expect(res.text ?? '').toBe('');
  } else {
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const media = documented.content[mediaType];
    if (!media) throw new Error(`${method.toUpperCase()} ${path} ${res.status} answered ${mediaType}; documented: ${Object.keys(documented.content).join(', ')}`);
    const body: unknown = mediaType === 'application/json' ? JSON.parse(res.text) : res.text;
    const validate = validator(media.schema);
    if (!validate(body)) {
      throw new Error(`${method.toUpperCase()} ${path} ${res.status} does not match its schema: ${ajv.errorsText(validate.errors)}\n${res.text.slice(0, 500)}`);
    }
  }
  exercised.add(`${method} ${path} ${res.status}`);
}

beforeAll(async () => {
  main = await app({ METRICS_TOKEN });
  const res = await request(main.http).get('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;
  conforms('get', '/api/v1/openapi.json', res);
});

describe('the API description', () => {
  it('is an OpenAPI 3.1 document whose schemas all compile as JSON Schema 2020-12', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(() => validator({ $ref: `#/components/schemas/${name}` })).not.toThrow();
      expect(schema).not.toHaveProperty('$id');
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item) as [Method, Operation][]) {
        for (const p of op.parameters ?? []) expect(() => validator(p.schema)).not.toThrow();
        for (const m of Object.values(op.requestBody?.content ?? {})) expect(() => validator(m.schema)).not.toThrow();
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          expect(op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name)).toBe(true);
        }
        expect(typeof op.operationId).toBe('string');
        void method;
      }
    }
  });

  it('would catch a comment leaking a private field, missing one, or a malformed date', () => {
    const comment = validator({ $ref: '#/components/schemas/PublicComment' });
    const good = {
      id: 'c1',
      parentId: null,
      author: { name: 'A', website: null, avatar: 'f'.repeat(32) },
      html: '<p>hi</p>',
      createdAt: '2026-06-01T10:00:00.000Z',
      editedAt: null,
      replies: [{ id: 'c2', parentId: 'c1', author: null, html: '<p>[deleted]</p>', createdAt: '2026-06-01T10:00:01.000Z', editedAt: null, deleted: true }],
    };
    expect(comment(good)).toBe(true);
    expect(comment({ ...good, author: { ...good.author, email: 'a@example.org' } })).toBe(false);
    expect(comment({ ...good, replies: [{ ...good.replies[0], ip: '192.0.2.1' }] })).toBe(false);
    const { html: _html, ...withoutHtml } = good;
    expect(comment(withoutHtml)).toBe(false);
    expect(comment({ ...good, createdAt: 'yesterday' })).toBe(false);
  });

  it('describes request bodies with the schemas that validate them', () => {
    const post = validator(doc.paths['/api/v1/comments']!.post!.requestBody!.content['application/json']!.schema);
    expect(post(validComment())).toBe(true);
    expect(post({ ...validComment(), [HONEYPOT_FIELD]: '' })).toBe(true);
    expect(post({ url: ARTICLE, email: 'a@example.org', body: 'no name' })).toBe(false);
    expect(post({ ...validComment(), isAdmin: true })).toBe(false);
    expect(post({ ...validComment(), name: 'n'.repeat(101) })).toBe(false);
    const threadParams = doc.paths['/api/v1/threads']!.get!.parameters!.map((p) => p.name);
    expect(threadParams).toEqual(['url', 'threadId', 'sort', 'limit', 'cursor']);
  });
});

describe('real answers match the document', () => {
  it('health, readiness, metrics', async () => {
    conforms('get', '/healthz', await request(main.http).get('/healthz'));
    conforms('get', '/readyz', await request(main.http).get('/readyz'));
    conforms('get', '/metrics', await request(main.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`));
    conforms('get', '/metrics', await request(main.http).get('/metrics'));
    const off = await app();
    conforms('get', '/metrics', await request(off.http).get('/metrics'));
    await off.storage.close();
    const notReady = await request(off.http).get('/readyz');
    expect(notReady.status).toBe(503);
    conforms('get', '/readyz', notReady);
  });

  it('threads, counts and form tokens', async () => {
    const root = await request(main.http).post('/api/v1/comments').send(validComment({ url: `${ARTICLE}/t` }));
    conforms('post', '/api/v1/comments', root);
    const reply = await request(main.http)
      .post('/api/v1/comments')
      .send(validComment({ url: `${ARTICLE}/t`, parentId: root.body.comment.id, body: 'a reply', website: 'https://ada.example.org/' }));
    conforms('post', '/api/v1/comments', reply);
    // A deleted root with a reply stays as a "[deleted]" placeholder.
    const deleted = await request(main.http).delete(`/api/v1/comments/${root.body.comment.id}`).set('Authorization', `Bearer ${root.body.editToken}`);
    expect(deleted.status).toBe(204);
    conforms('delete', '/api/v1/comments/{id}', deleted);
    await request(main.http).post('/api/v1/comments').send(validComment({ url: `${ARTICLE}/t`, body: 'second root', email: 'b@example.org' }));

    const thread = await request(main.http).get('/api/v1/threads').query({ url: `${ARTICLE}/t`, limit: '1' });
    expect(thread.body.comments[0]).toMatchObject({ deleted: true, author: null, replies: [expect.objectContaining({ parentId: root.body.comment.id })] });
    expect(thread.body.nextCursor).toEqual(expect.any(String));
    conforms('get', '/api/v1/threads', thread);
    conforms('get', '/api/v1/threads', await request(main.http).get('/api/v1/threads').query({ url: `${ARTICLE}/t`, cursor: thread.body.nextCursor, sort: 'newest' }));
    conforms('get', '/api/v1/threads', await request(main.http).get('/api/v1/threads').query({ threadId: 'never-used' }));
    conforms('get', '/api/v1/threads', await request(main.http).get('/api/v1/threads'));
    conforms('get', '/api/v1/threads', await request(main.http).get('/api/v1/threads').query({ url: ARTICLE, limit: 'lots' }));

    conforms('get', '/api/v1/counts', await request(main.http).get('/api/v1/counts').query({ url: [`${ARTICLE}/t`, 'https://example.org/none'] }));
    conforms('get', '/api/v1/counts', await request(main.http).get('/api/v1/counts'));
    conforms('get', '/api/v1/form-token', await request(main.http).get('/api/v1/form-token').query({ url: ARTICLE }));
    conforms('get', '/api/v1/form-token', await request(main.http).get('/api/v1/form-token'));

    const fenced = await app({ ALLOWED_ORIGINS: 'https://news.example.org' });
    for (const path of ['/api/v1/threads', '/api/v1/form-token'] as const) {
      const res = await request(fenced.http).get(path).query({ url: 'https://elsewhere.example.com/a' });
      expect(res.status).toBe(403);
      conforms('get', path, res);
    }
  });

  it('posting: approved, held, and every refusal', async () => {
    const held = await app({ MODERATION: 'all' });
    const pending = await request(held.http).post('/api/v1/comments').send(validComment());
    expect(pending.body).toMatchObject({ status: 'pending', message: expect.any(String) });
    conforms('post', '/api/v1/comments', pending);
    conforms('post', '/api/v1/comments', await request(held.http).post('/api/v1/comments').type('form').send(validComment({ body: 'by form' }) as Record<string, string>));

    const ok = await request(main.http).post('/api/v1/comments').send(validComment({ body: 'unique body for duplicates' }));
    conforms('post', '/api/v1/comments', ok);
    const refusals: request.Response[] = [
      await request(main.http).post('/api/v1/comments').send({ url: ARTICLE, website: 'nope', extra: 1 }),
      await request(main.http).post('/api/v1/comments').set('Content-Type', 'application/json').send('{"name":'),
      await request(main.http).post('/api/v1/comments').send(validComment({ parentId: 'no-such-parent' })),
      await request(main.http).post('/api/v1/comments').send(validComment({ body: 'unique body for duplicates' })),
      await request(main.http).post('/api/v1/comments').set('Content-Type', 'text/plain').send('hello'),
      await request(main.http).post('/api/v1/comments').send(validComment({ body: 'x'.repeat(40_000) })),
    ];
    expect(refusals.map((r) => r.status)).toEqual([400, 400, 404, 409, 415, 413]);
    for (const r of refusals) conforms('post', '/api/v1/comments', r);
  });

  it("the author's own comments, edits and deletions", async () => {
    const mine = await request(main.http).post('/api/v1/comments').send(validComment({ body: 'mine to edit' }));
    const other = await request(main.http).post('/api/v1/comments').send(validComment({ body: 'someone else', email: 'c@example.org' }));
    const id = mine.body.comment.id as string;
    const auth = `Bearer ${mine.body.editToken}`;

    conforms('post', '/api/v1/comments/mine', await request(main.http).post('/api/v1/comments/mine').send({ comments: [{ id, editToken: mine.body.editToken }] }));
    conforms('post', '/api/v1/comments/mine', await request(main.http).post('/api/v1/comments/mine').send({ comments: 'all' }));
    conforms('post', '/api/v1/preview', await request(main.http).post('/api/v1/preview').send({ body: '**hi**' }));
    conforms('post', '/api/v1/preview', await request(main.http).post('/api/v1/preview').send({ body: '' }));

    const edits: [number, request.Response][] = [
      [200, await request(main.http).patch(`/api/v1/comments/${id}`).set('Authorization', auth).send({ body: 'edited *again*' })],
      [400, await request(main.http).patch(`/api/v1/comments/${id}`).set('Authorization', auth).send({ body: '' })],
      [401, await request(main.http).patch(`/api/v1/comments/${id}`).send({ body: 'no token' })],
      [403, await request(main.http).patch(`/api/v1/comments/${other.body.comment.id}`).set('Authorization', auth).send({ body: 'not mine' })],
      [404, await request(main.http).patch('/api/v1/comments/no-such-comment').set('Authorization', auth).send({ body: 'gone' })],
    ];
    for (const [status, r] of edits) {
      expect(r.status).toBe(status);
      conforms('patch', '/api/v1/comments/{id}', r);
    }
    expect(edits[0]![1].body.comment.editedAt).toEqual(expect.any(String));

    const deletions: [number, request.Response][] = [
      [401, await request(main.http).delete(`/api/v1/comments/${id}`)],
      [403, await request(main.http).delete(`/api/v1/comments/${other.body.comment.id}`).set('Authorization', auth)],
      [204, await request(main.http).delete(`/api/v1/comments/${id}`).set('Authorization', auth)],
      [404, await request(main.http).delete(`/api/v1/comments/${id}`).set('Authorization', auth)],
    ];
    for (const [status, r] of deletions) {
      expect(r.status).toBe(status);
      conforms('delete', '/api/v1/comments/{id}', r);
    }
  });

  it('signed-in commenters: the SSO session and my comments', async () => {
    const sso = await app({ SSO_SECRET, GUEST_COMMENTS: 'off' });
    const exchanged = await request(sso.http).post('/api/v1/sso/session').send({ token: await signSsoJwt(ssoClaims(sso.clock.now)) });
    const calls: [Method, string, number, request.Response][] = [
      ['post', '/api/v1/sso/session', 200, exchanged],
      ['post', '/api/v1/sso/session', 400, await request(sso.http).post('/api/v1/sso/session').send({})],
      ['post', '/api/v1/sso/session', 401, await request(sso.http).post('/api/v1/sso/session').send({ token: signSsoPlain(ssoClaims(sso.clock.now), 'x'.repeat(40)) })],
      ['post', '/api/v1/sso/session', 404, await request(main.http).post('/api/v1/sso/session').send({ token: 'a.b.c' })],
    ];
    const auth = `Bearer ${exchanged.body.session as string}`;
    const { name: _n, email: _e, ...signedIn } = validComment({ body: 'signed in, documented' });
    const posted = await request(sso.http).post('/api/v1/comments').set('Authorization', auth).send(signedIn);
    calls.push(
      ['post', '/api/v1/comments', 201, posted],
      ['post', '/api/v1/comments', 401, await request(sso.http).post('/api/v1/comments').send(validComment())],
      ['get', '/api/v1/me', 200, await request(sso.http).get('/api/v1/me').set('Authorization', auth)],
      ['get', '/api/v1/me', 401, await request(sso.http).get('/api/v1/me')],
      ['get', '/api/v1/me/comments', 200, await request(sso.http).get('/api/v1/me/comments').set('Authorization', auth)],
      ['get', '/api/v1/me/comments', 400, await request(sso.http).get('/api/v1/me/comments').query({ limit: 'x' }).set('Authorization', auth)],
      ['get', '/api/v1/me/comments', 401, await request(sso.http).get('/api/v1/me/comments').set('Authorization', 'Bearer forged')],
      ['get', '/api/v1/me/comments/export', 200, await request(sso.http).get('/api/v1/me/comments/export').set('Authorization', auth)],
      ['get', '/api/v1/me/comments/export', 401, await request(sso.http).get('/api/v1/me/comments/export')],
      ['delete', '/api/v1/me/comments/{id}', 204, await request(sso.http).delete(`/api/v1/me/comments/${posted.body.comment.id}`).set('Authorization', auth)],
      ['delete', '/api/v1/me/comments/{id}', 404, await request(sso.http).delete(`/api/v1/me/comments/${posted.body.comment.id}`).set('Authorization', auth)],
      ['delete', '/api/v1/me/comments/{id}', 401, await request(sso.http).delete('/api/v1/me/comments/x')],
      ['get', '/api/v1/form-token', 200, await request(sso.http).get('/api/v1/form-token').query({ url: ARTICLE })],
      // Last: it ends the session the calls above use.
      ['delete', '/api/v1/me/session', 204, await request(sso.http).delete('/api/v1/me/session').set('Authorization', auth)],
      ['delete', '/api/v1/me/session', 401, await request(sso.http).delete('/api/v1/me/session').set('Authorization', auth)],
    );
    for (const [method, path, expected, res] of calls) {
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} ${expected}`);
      conforms(method, path, res);
    }
    expect(posted.body.comment.author.name).toBe('Grace Hopper');
  });

  it('rate limits and server errors', async () => {
    const strict = await app({ RATE_LIMIT_READS_PER_MINUTE: '1', RATE_LIMIT_POSTS_PER_MINUTE: '1' });
    for (const path of ['/api/v1/threads', '/api/v1/counts', '/api/v1/form-token'] as const) {
      await request(strict.http).get(path).query({ url: ARTICLE });
    }
    for (const path of ['/api/v1/threads', '/api/v1/counts', '/api/v1/form-token'] as const) {
      const res = await request(strict.http).get(path).query({ url: ARTICLE });
      expect(res.status).toBe(429);
      conforms('get', path, res);
    }
    await request(strict.http).post('/api/v1/comments').send(validComment());
    const limited = await request(strict.http).post('/api/v1/comments').send(validComment({ body: 'again' }));
    expect(limited.status).toBe(429);
    conforms('post', '/api/v1/comments', limited);

    const edits = await app({ RATE_LIMIT_EDITS_PER_MINUTE: '1', RATE_LIMIT_READS_PER_MINUTE: '1' });
    const own = (await request(edits.http).post('/api/v1/comments').send(validComment())).body as { comment: { id: string }; editToken: string };
    const auth = `Bearer ${own.editToken}`;
    await request(edits.http).patch(`/api/v1/comments/${own.comment.id}`).set('Authorization', auth).send({ body: 'edited' });
    const editLimited = await request(edits.http).patch(`/api/v1/comments/${own.comment.id}`).set('Authorization', auth).send({ body: 'again' });
    expect(editLimited.status).toBe(429);
    conforms('patch', '/api/v1/comments/{id}', editLimited);
    const deleteLimited = await request(edits.http).delete(`/api/v1/comments/${own.comment.id}`).set('Authorization', auth);
    expect(deleteLimited.status).toBe(429);
    conforms('delete', '/api/v1/comments/{id}', deleteLimited);
    const mine = () => request(edits.http).post('/api/v1/comments/mine').send({ comments: [{ id: own.comment.id, editToken: own.editToken }] });
    await mine();
    const mineLimited = await mine();
    expect(mineLimited.status).toBe(429);
    conforms('post', '/api/v1/comments/mine', mineLimited);

    const broken = await app();
    await broken.storage.close();
    const failed = await request(broken.http).post('/api/v1/comments').send(validComment());
    expect(failed.status).toBe(500);
    conforms('post', '/api/v1/comments', failed);
    conforms('get', '/api/v1/threads', await request(broken.http).get('/api/v1/threads').query({ url: ARTICLE }));
  });

  it('the moderators’ API', async () => {
    const TOKEN = 'moderator-token-0123456789-abcdefghijkl';
    const mod = await app({ ADMIN_TOKEN: `alice:${TOKEN}`, MODERATION: 'all', WEBHOOK_URLS: 'http://127.0.0.1:9/hooks', WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}` });
    const as = (r: request.Test) => r.set('Authorization', `Bearer ${TOKEN}`);
    const A = '/api/v1/admin';
    const posted: { id: string }[] = [];
    for (const [i, email] of ['ada@example.org', 'ada@example.org', 'erase.me@example.org'].entries()) {
      posted.push((await request(mod.http).post('/api/v1/comments').send(validComment({ email, body: `held ${i}` }))).body.comment);
    }
    const [c1, c2, c3] = posted.map((c) => c.id) as [string, string, string];

    const calls: [Method, string, number, request.Response][] = [
      ['get', '/comments', 200, await as(request(mod.http).get(`${A}/comments`))],
      ['get', '/comments', 200, await as(request(mod.http).get(`${A}/comments`)).query({ status: 'pending', url: ARTICLE, q: 'held', limit: '1' })],
      ['get', '/comments', 400, await as(request(mod.http).get(`${A}/comments`)).query({ status: 'bogus' })],
      ['get', '/comments', 401, await request(mod.http).get(`${A}/comments`)],
      ['post', '/comments/{id}/{action}', 200, await as(request(mod.http).post(`${A}/comments/${c1}/approve`)).send({ reason: 'fine' })],
      ['post', '/comments/{id}/{action}', 409, await as(request(mod.http).post(`${A}/comments/${c1}/approve`)).send({})],
      ['post', '/comments/{id}/{action}', 400, await as(request(mod.http).post(`${A}/comments/${c1}/frobnicate`)).send({})],
      ['post', '/comments/{id}/{action}', 404, await as(request(mod.http).post(`${A}/comments/no-such/approve`)).send({})],
      ['post', '/comments/bulk', 200, await as(request(mod.http).post(`${A}/comments/bulk`)).send({ ids: [c2, 'no-such'], action: 'spam' })],
      ['post', '/comments/bulk', 400, await as(request(mod.http).post(`${A}/comments/bulk`)).send({ ids: [] })],
      ['post', '/comments/bulk', 415, await as(request(mod.http).post(`${A}/comments/bulk`)).set('Content-Type', 'text/plain').send('x')],
      ['post', '/comments/bulk', 413, await as(request(mod.http).post(`${A}/comments/bulk`)).send({ ids: ['x'.repeat(40_000)], action: 'spam' })],
      ['post', '/comments/{id}/reply', 201, await as(request(mod.http).post(`${A}/comments/${c1}/reply`)).send({ body: 'Thanks, *noted*.' })],
      ['post', '/comments/{id}/reply', 400, await as(request(mod.http).post(`${A}/comments/${c1}/reply`)).send({ body: '' })],
      ['post', '/comments/{id}/reply', 404, await as(request(mod.http).post(`${A}/comments/no-such/reply`)).send({ body: 'x' })],
      ['patch', '/comments/{id}', 200, await as(request(mod.http).patch(`${A}/comments/${c1}`)).send({ body: 'moderated *text*', reason: 'tone' })],
      ['patch', '/comments/{id}', 400, await as(request(mod.http).patch(`${A}/comments/${c1}`)).send({ body: '' })],
      ['patch', '/comments/{id}', 404, await as(request(mod.http).patch(`${A}/comments/no-such`)).send({ body: 'x' })],
      ['put', '/threads', 200, await as(request(mod.http).put(`${A}/threads`)).query({ url: ARTICLE }).send({ locked: true })],
      ['put', '/threads', 400, await as(request(mod.http).put(`${A}/threads`)).query({ url: ARTICLE }).send({ locked: 'yes' })],
      ['get', '/threads', 200, await as(request(mod.http).get(`${A}/threads`))],
      ['get', '/threads', 400, await as(request(mod.http).get(`${A}/threads`)).query({ limit: '0' })],
      ['post', '/bans', 201, await as(request(mod.http).post(`${A}/bans`)).send({ email: 'troll@example.org', reason: 'trolling', expiresAt: '2099-01-01T00:00:00Z' })],
      ['post', '/bans', 400, await as(request(mod.http).post(`${A}/bans`)).send({})],
      ['get', '/bans', 200, await as(request(mod.http).get(`${A}/bans`))],
      ['get', '/audit', 200, await as(request(mod.http).get(`${A}/audit`))],
      ['get', '/audit', 200, await as(request(mod.http).get(`${A}/audit`)).query({ commentId: c1, limit: '1' })],
      ['get', '/audit', 400, await as(request(mod.http).get(`${A}/audit`)).query({ limit: 'many' })],
      ['get', '/authors/export', 200, await as(request(mod.http).get(`${A}/authors/export`)).query({ email: 'ada@example.org' })],
      ['get', '/authors/export', 400, await as(request(mod.http).get(`${A}/authors/export`))],
      ['post', '/authors/erase', 200, await as(request(mod.http).post(`${A}/authors/erase`)).send({ email: 'erase.me@example.org', mode: 'anonymize' })],
      ['post', '/authors/erase', 400, await as(request(mod.http).post(`${A}/authors/erase`)).send({ mode: 'shred' })],
    ];
    const banId = calls.find(([, p, st]) => p === '/bans' && st === 201)![3].body.ban.id as string;
    calls.push(['delete', '/bans/{id}', 204, await as(request(mod.http).delete(`${A}/bans/${banId}`))]);
    calls.push(['delete', '/bans/{id}', 404, await as(request(mod.http).delete(`${A}/bans/${banId}`))]);
    calls.push(['delete', '/bans/{id}', 401, await request(mod.http).delete(`${A}/bans/${banId}`)]);
    const deliveries = await as(request(mod.http).get(`${A}/webhooks/deliveries`)).query({ limit: '2' });
    calls.push(['get', '/webhooks/deliveries', 200, deliveries]);
    calls.push(['get', '/webhooks/deliveries', 400, await as(request(mod.http).get(`${A}/webhooks/deliveries`)).query({ status: 'lost' })]);
    const deliveryId = String(deliveries.body.deliveries[0]?.id);
    calls.push(['post', '/webhooks/deliveries/{id}/retry', 200, await as(request(mod.http).post(`${A}/webhooks/deliveries/${deliveryId}/retry`))]);
    calls.push(['post', '/webhooks/deliveries/{id}/retry', 404, await as(request(mod.http).post(`${A}/webhooks/deliveries/no-such/retry`))]);
    void c3;

    // Moderator accounts and sessions (issue 15).
    const PASSWORD = 'correct horse battery staple';
    const added = await as(request(mod.http).post(`${A}/moderators`)).send({ email: 'maria@newsroom.example', name: 'Maria', role: 'moderator', password: PASSWORD });
    calls.push(['post', '/moderators', 201, added]);
    calls.push(['post', '/moderators', 400, await as(request(mod.http).post(`${A}/moderators`)).send({ email: 'x', role: 'owner' })]);
    calls.push(['post', '/moderators', 409, await as(request(mod.http).post(`${A}/moderators`)).send({ email: 'maria@newsroom.example', name: 'M', role: 'moderator', password: PASSWORD })]);
    calls.push(['get', '/moderators', 200, await as(request(mod.http).get(`${A}/moderators`))]);
    const modId = String(added.body.moderator.id);
    calls.push(['post', '/moderators/{id}/disable', 200, await as(request(mod.http).post(`${A}/moderators/${modId}/disable`))]);
    calls.push(['post', '/moderators/{id}/disable', 404, await as(request(mod.http).post(`${A}/moderators/no-such/disable`))]);
    calls.push(['post', '/moderators/{id}/enable', 200, await as(request(mod.http).post(`${A}/moderators/${modId}/enable`))]);
    calls.push(['post', '/moderators/{id}/enable', 404, await as(request(mod.http).post(`${A}/moderators/no-such/enable`))]);
    calls.push(['post', '/moderators/{id}/password', 200, await as(request(mod.http).post(`${A}/moderators/${modId}/password`)).send({ password: PASSWORD })]);
    calls.push(['post', '/moderators/{id}/password', 400, await as(request(mod.http).post(`${A}/moderators/${modId}/password`)).send({ password: 'short' })]);
    calls.push(['post', '/session', 401, await request(mod.http).post(`${A}/session`).send({ email: 'maria@newsroom.example', password: 'not the password' })]);
    calls.push(['post', '/session', 400, await request(mod.http).post(`${A}/session`).send({})]);
    const signedIn = await request(mod.http).post(`${A}/session`).send({ email: 'maria@newsroom.example', password: PASSWORD });
    calls.push(['post', '/session', 200, signedIn]);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
    calls.push(['get', '/session', 200, await request(mod.http).get(`${A}/session`).set('Cookie', cookie)]);
    calls.push(['get', '/moderators', 403, await request(mod.http).get(`${A}/moderators`).set('Cookie', cookie)]);
    calls.push(['get', '/session', 401, await request(mod.http).get(`${A}/session`).set('Cookie', 'parley_admin=not-a-session-of-ours-0123456789')]);
    calls.push(['delete', '/session', 403, await request(mod.http).delete(`${A}/session`).set('Cookie', cookie)]);
    calls.push(['delete', '/session', 204, await request(mod.http).delete(`${A}/session`).set('Cookie', cookie).set('X-CSRF-Token', String(signedIn.body.csrfToken))]);

    const limited = await app({ ADMIN_TOKEN: TOKEN, RATE_LIMIT_ADMIN_PER_MINUTE: '1' });
    await as(request(limited.http).get(`${A}/bans`));
    calls.push(['get', '/bans', 429, await as(request(limited.http).get(`${A}/bans`))]);
    const broken = await app({ ADMIN_TOKEN: TOKEN });
    await broken.storage.close();
    calls.push(['get', '/comments', 500, await as(request(broken.http).get(`${A}/comments`))]);

    for (const [method, path, expected, res] of calls) {
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} ${expected}`);
      conforms(method, `${A}${path}`, res);
    }
  });

  it('covered every operation, each with a success and an error answer', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item) as [Method, Operation][]) {
        const statuses = [...exercised].filter((e) => e.startsWith(`${method} ${path} `)).map((e) => Number(e.split(' ')[2]));
        if (!statuses.some((s) => s < 300)) missing.push(`${method} ${path}: no success`);
        const documentedErrors = Object.keys(op.responses).filter((s) => Number(s) >= 400);
        if (documentedErrors.length > 0 && !statuses.some((s) => s >= 400)) missing.push(`${method} ${path}: no error`);
      }
    }
    expect(missing).toEqual([]);
  });
});
