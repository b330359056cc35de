/**
 * Operators' view of a running service: readiness (storage, Akismet key, Redis; bounded), metrics (off, bearer,
 * every family), request logs (LOG_LEVEL, redaction of emails, IPs, tokens and Authorization headers).
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createClient } from 'redis';
import { HONEYPOT_FIELD } from '../../src/domain/comment.js';
import { createLogger } from '../../src/logger.js';
import { AKISMET_REVERIFY_MS } from '../../src/spam/akismet.js';
import { FAKE_AKISMET_KEY, startFakeAkismet, type FakeAkismet } from '../support/fake-akismet.js';
import { ARTICLE, BRIEF_REDIS_WAIT, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const METRICS_TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';
const REDIS_URL = 'redis://127.0.0.1:6379/15';

let fake: FakeAkismet;
let app: TestApp | undefined;

beforeAll(async () => {
  fake = await startFakeAkismet();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  fake.reset();
  fake.setValidKeys([FAKE_AKISMET_KEY]);
});

function akismetEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { AKISMET_KEY: FAKE_AKISMET_KEY, AKISMET_ENDPOINT: fake.url, AKISMET_TIMEOUT_MS: '300', AKISMET_TEST: '1', ...extra };
}

async function start(env: Record<string, string> = {}, deps: typeof BRIEF_REDIS_WAIT = {}): Promise<TestApp> {
  app = await createTestApp(env, undefined, deps);
  return app;
}

/** A "Redis" that completes the client's handshake and then never answers PING: a hung server. */
async function startHungRedis(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n/g)) {
        if (m[1]?.toUpperCase() !== 'PING') socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function redisAnswers(): Promise<boolean> {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

const redisUp = await redisAnswers();

describe('GET /healthz', () => {
  it('answers ok without touching storage', async () => {
    const a = await start();
    await a.storage.close();
    const res = await request(a.http).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('is ready with storage up and nothing else configured', async () => {
    const a = await start();
    const res = await request(a.http).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ status: 'ready', checks: { storage: 'ok', akismet: 'not_configured', redis: 'not_configured' } });
  });

  it('answers 503 naming storage when the store does not answer', async () => {
    const a = await start();
    await a.storage.close();
    const res = await request(a.http).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      status: 'not_ready',
      checks: { storage: 'unavailable', akismet: 'not_configured', redis: 'not_configured' },
      failing: ['storage'],
    });
  });

  it('shows a verified Akismet key as valid', async () => {
    const a = await start(akismetEnv());
    const res = await request(a.http).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks.akismet).toBe('valid');
  });

  it('is not ready while Akismet rejects the key, and recovers by itself once the key is accepted again', async () => {
    fake.setValidKeys(['some-other-key']);
    const a = await start(akismetEnv());
    let res = await request(a.http).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'not_ready', checks: { akismet: 'invalid' }, failing: ['akismet'] });

    fake.setValidKeys([FAKE_AKISMET_KEY]);
    const verifies = fake.requestsTo('verify-key').length;
    await request(a.http).get('/readyz');
    // Probes do not hammer Akismet: nothing is re-verified before AKISMET_REVERIFY_MS.
    expect(fake.requestsTo('verify-key')).toHaveLength(verifies);

    a.clock.advance(AKISMET_REVERIFY_MS);
    res = await request(a.http).get('/readyz');
    const until = Date.now() + 5000;
    while (res.status !== 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      res = await request(a.http).get('/readyz');
    }
    expect(res.status).toBe(200);
    expect(res.body.checks.akismet).toBe('valid');
    expect(fake.requestsTo('verify-key')).toHaveLength(verifies + 1);
  });

  it('stays ready when Akismet is unreachable: comments are held as unchecked, not lost', async () => {
    fake.setMode('hang', 'verify-key');
    const a = await start(akismetEnv({ AKISMET_TIMEOUT_MS: '100' }));
    const res = await request(a.http).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { storage: 'ok', akismet: 'unreachable', redis: 'not_configured' } });
  });

  it('stays ready (200) but reports Redis as degraded when REDIS_URL is set and nothing answers there, and keeps serving', async () => {
    const a = await start({ REDIS_URL: 'redis://127.0.0.1:1' }, BRIEF_REDIS_WAIT);
    const res = await request(a.http).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ready',
      checks: { storage: 'ok', akismet: 'not_configured', redis: 'unavailable' },
      degraded: ['redis'],
    });
    // What "degraded" promises: the limits fail open, so readers and commenters are still served.
    expect((await request(a.http).post('/api/v1/comments').send(validComment())).status).toBe(201);
    expect((await request(a.http).get('/api/v1/threads').query({ url: ARTICLE })).status).toBe(200);
  });

  it('is still not ready (503) when storage fails while Redis is down: only storage is failing', async () => {
    const a = await start({ REDIS_URL: 'redis://127.0.0.1:1' }, BRIEF_REDIS_WAIT);
    await a.storage.close();
    const res = await request(a.http).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      status: 'not_ready',
      checks: { storage: 'unavailable', akismet: 'not_configured', redis: 'unavailable' },
      failing: ['storage'],
      degraded: ['redis'],
    });
  });

  it('never hangs: a Redis that stops answering is reported as a timeout, degraded but ready', async () => {
    const hung = await startHungRedis();
    try {
      const a = await start({ REDIS_URL: hung.url });
      // The hung server never answers: an answer at all, naming a timeout, shows the check is bounded.
      const res = await request(a.http).get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ready', checks: { storage: 'ok', redis: 'timeout' }, degraded: ['redis'] });
      expect(res.body.failing).toBeUndefined();
      // And shutting down does not wait for the hung server either (it would never finish).
      await a.close();
      app = undefined;
    } finally {
      await hung.close();
    }
  });

  (redisUp ? it : it.skip)('checks Redis with a PING when REDIS_URL is set (needs Redis on 127.0.0.1:6379)', async () => {
    const a = await start({ REDIS_URL });
    const res = await request(a.http).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ storage: 'ok', akismet: 'not_configured', redis: 'ok' });
  });
  if (!redisUp && process.env.REQUIRE_REDIS === '1') {
    it('needs a Redis server (REQUIRE_REDIS=1)', () => {
      throw new Error(`REQUIRE_REDIS=1 but Redis does not answer at ${REDIS_URL}`);
    });
  }
});

describe('GET /metrics', () => {
  it('does not exist unless METRICS_TOKEN is set', async () => {
    const a = await start();
    const res = await request(a.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('wants the bearer token: 401 in the common error shape without it or with a wrong one', async () => {
    const a = await start({ METRICS_TOKEN });
    for (const auth of [undefined, 'Bearer wrong', `Bearer ${METRICS_TOKEN}x`, `Basic ${METRICS_TOKEN}`, METRICS_TOKEN]) {
      const req = request(a.http).get('/metrics');
      const res = await (auth ? req.set('Authorization', auth) : req);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String), requestId: expect.any(String) } });
      expect(res.text).not.toContain('parley_');
    }
  });

  it('exposes request, comment, spam, backlog, rate-limit, storage and process metrics, by route pattern only', async () => {
    const a = await start({ METRICS_TOKEN, RATE_LIMIT_POSTS_PER_MINUTE: '2' });
    const created = await request(a.http).post('/api/v1/comments').send(validComment());
    expect(created.status).toBe(201);
    expect((await request(a.http).post('/api/v1/comments').send(validComment({ body: 'bot', [HONEYPOT_FIELD]: 'x' }))).status).toBe(201);
    expect((await request(a.http).post('/api/v1/comments').send(validComment({ body: 'third' }))).status).toBe(429);
    await request(a.http).get('/api/v1/threads').query({ url: `${ARTICLE}?secret-query=1` });
    await request(a.http).patch(`/api/v1/comments/${created.body.comment.id}`).set('Authorization', 'Bearer nope').send({ body: 'x' });
    await request(a.http).get('/no/such/place-123');

    const res = await request(a.http).get('/metrics').set('Authorization', `bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const text = res.text;
    const expected = [
      /parley_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/comments",status="201"\} 2/,
      /parley_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/comments",status="429"\} 1/,
      /parley_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/threads",status="200"\} 1/,
      /parley_http_request_duration_seconds_count\{method="PATCH",route="\/api\/v1\/comments\/:id",status="403"\} 1/,
      /parley_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/,
      /parley_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/v1\/comments",status="201"\} \d+/,
      /parley_comments_created_total\{status="approved"\} 1/,
      /parley_comments_created_total\{status="spam"\} 1/,
      /parley_spam_verdicts_total\{check="honeypot",result="spam"\} 1/,
      /parley_spam_check_duration_seconds_count\{check="honeypot"\} 2/,
      /parley_spam_unchecked_backlog 0/,
      /parley_rate_limited_total\{limiter="post-ip-minute"\} 1/,
      /parley_storage_operation_duration_seconds_count\{operation="insertComment",outcome="ok"\} 2/,
      /parley_storage_operation_duration_seconds_count\{operation="getComment",outcome="ok"\} \d+/,
      /parley_process_cpu_user_seconds_total \d/,
      /parley_process_resident_memory_bytes \d/,
      /parley_nodejs_eventloop_lag_seconds \d/,
    ];
    for (const pattern of expected) expect(text).toMatch(pattern);
    // Route patterns only: no query string, article URL or comment id becomes a label.
    expect(text).not.toContain('secret-query');
    expect(text).not.toContain('news.example.org');
    expect(text).not.toContain(created.body.comment.id);
    expect(text).not.toContain('place-123');
  });

  it('counts storage errors and still answers when the store is down', async () => {
    const a = await start({ METRICS_TOKEN });
    await a.storage.close();
    expect((await request(a.http).get('/api/v1/threads').query({ url: ARTICLE })).status).toBe(500);
    const res = await request(a.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/parley_storage_operation_duration_seconds_count\{operation="listThreadPublic",outcome="error"\} 1/);
    expect(res.text).toMatch(/parley_spam_unchecked_backlog 0/);
    // The backlog gauge reads storage while the scrape is rendered, so its failed read shows in the next scrape.
    const again = await request(a.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(again.text).toMatch(/parley_storage_operation_duration_seconds_count\{operation="countUnchecked",outcome="error"\} 1/);
  });
});

describe('operators’ endpoints and rate limits', () => {
  it('never rate limits /healthz, /readyz, /metrics or the API description', async () => {
    const a = await start({ METRICS_TOKEN, RATE_LIMIT_READS_PER_MINUTE: '1' });
    expect((await request(a.http).get('/api/v1/counts').query({ url: ARTICLE })).status).toBe(200);
    expect((await request(a.http).get('/api/v1/counts').query({ url: ARTICLE })).status).toBe(429);
    for (let i = 0; i < 3; i += 1) {
      expect((await request(a.http).get('/healthz')).status).toBe(200);
      expect((await request(a.http).get('/readyz')).status).toBe(200);
      expect((await request(a.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)).status).toBe(200);
      expect((await request(a.http).get('/api/v1/openapi.json')).status).toBe(200);
    }
  });
});

describe('logs', () => {
  const EMAIL = 'Quentin.Canary+logs@log-probe.example';
  const IP = '203.0.113.201';
  const lines = (text: string) =>
    text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('writes one JSON line per request with request id, method, route, status and latency', async () => {
    const a = await start();
    const res = await request(a.http).get('/api/v1/threads').query({ url: ARTICLE }).set('X-Request-Id', 'probe-request-1');
    expect(res.status).toBe(200);
    const line = lines(a.logText()).find((l) => l.requestId === 'probe-request-1');
    expect(line).toMatchObject({ level: 30, msg: 'request', method: 'GET', route: '/api/v1/threads', status: 200, service: 'parley' });
    expect(typeof line?.ms).toBe('number');
    expect(typeof line?.time).toBe('string');
  });

  it('follows LOG_LEVEL: warn leaves request lines out, trace keeps them', async () => {
    const quiet = await start({ LOG_LEVEL: 'warn' });
    await request(quiet.http).get('/healthz');
    expect(quiet.logText()).not.toContain('"msg":"request"');
    await quiet.close();
    const chatty = await start({ LOG_LEVEL: 'trace' });
    await request(chatty.http).get('/healthz');
    expect(chatty.logText()).toContain('"msg":"request"');
  });

  it('never writes the email, the IP, an edit token or an Authorization header, even at trace and on errors', async () => {
    const a = await start({ TRUST_PROXY: '1', LOG_LEVEL: 'trace' });
    const as = (r: request.Test) => r.set('X-Forwarded-For', IP);
    const created = await as(request(a.http).post('/api/v1/comments')).send(validComment({ email: EMAIL }));
    expect(created.status).toBe(201);
    const token = created.body.editToken as string;
    const id = created.body.comment.id as string;
    const edited = await as(request(a.http).patch(`/api/v1/comments/${id}`)).set('Authorization', `Bearer ${token}`).send({ body: 'edited' });
    expect(edited.status).toBe(200);
    expect((await as(request(a.http).post('/api/v1/comments')).send(validComment({ email: EMAIL, website: 'nope' }))).status).toBe(400);
    await as(request(a.http).post('/api/v1/comments/mine')).send({ comments: [{ id, editToken: token }] });

    // The unhandled-error path: the store is gone, and the error is logged with its stack.
    await a.storage.close();
    expect((await as(request(a.http).post('/api/v1/comments')).send(validComment({ email: EMAIL, body: 'after' }))).status).toBe(500);
    expect((await as(request(a.http).patch(`/api/v1/comments/${id}`)).set('Authorization', `Bearer ${token}`).send({ body: 'again' })).status).toBe(500);
    expect((await as(request(a.http).delete(`/api/v1/comments/${id}`)).set('Authorization', `Bearer ${token}`)).status).toBe(500);

    const log = a.logText();
    expect(log).toContain('"route":"/api/v1/comments/:id"');
    expect(log).toContain('"msg":"unhandled error"');
    for (const secret of [EMAIL, EMAIL.toLowerCase(), 'log-probe', IP, token, `Bearer ${token}`]) expect(log).not.toContain(secret);
    expect(log.toLowerCase()).not.toContain('authorization');
  });

  it('redacts emails, IPs, tokens and credentials wherever they are passed as fields', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString('utf8');
        cb();
      },
    });
    const logger = createLogger('trace', sink);
    logger.trace(
      {
        email: 'a@probe.example',
        ip: '192.0.2.1',
        editToken: 'tok-1',
        comment: { author: { email: 'b@probe.example' }, context: { ip: '192.0.2.2' } },
        req: { headers: { authorization: 'Bearer tok-2', cookie: 'sid=tok-3', 'x-forwarded-for': '192.0.2.3' }, remoteAddress: '192.0.2.4' },
        err: { headers: { authorization: 'Bearer tok-4' } },
        params: { user_ip: '192.0.2.5', comment_author_email: 'c@probe.example' },
      },
      'probe',
    );
    expect(out).toContain('"msg":"probe"');
    expect(out).toContain('[redacted]');
    for (const s of ['probe.example', '192.0.2.', 'tok-']) expect(out).not.toContain(s);
  });
});
