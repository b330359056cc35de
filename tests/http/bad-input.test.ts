/**
 * Input Express or its parsers cannot read gets a 4xx in the common error shape, never 500 "unhandled error"
 * (issue 9, hole 6), and a client that gives up mid-upload is logged at info.
 */
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = 'moderator-token-0123456789-abcdefghijklmnop';
let app: TestApp;
let server: http.Server | undefined;
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  await app?.close();
});

const errorLines = () => app.logText().split('\n').filter((l) => /"level":(50|60)/.test(l));

async function listen(): Promise<number> {
  server = http.createServer(app.http);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as net.AddressInfo).port;
}

/** A raw POST, so the body bytes and headers are exactly these (supertest would re-encode). */
async function rawPost(port: number, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path, headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('malformed percent-encoding in path parameters', () => {
  it.each([
    ['PATCH', '/api/v1/comments/%'],
    ['PATCH', '/api/v1/comments/%E0'],
    ['DELETE', '/api/v1/comments/%zz'],
    ['GET', '/demo/%zz'],
    ['POST', '/api/v1/admin/comments/%E0/approve'],
  ])('%s %s is 400 validation_failed {path: invalid}', async (method, path) => {
    app = await createTestApp({ ADMIN_TOKEN: TOKEN });
    const res = await request(app.http)[method.toLowerCase() as 'get'](path).set('Authorization', `Bearer ${TOKEN}`).send(method === 'GET' ? undefined : { body: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { path: 'invalid' } });
    expect(res.body.error.message).not.toContain('%');
    expect(errorLines()).toEqual([]);
  });

  it('HEAD /demo/% is 400 too', async () => {
    app = await createTestApp();
    const res = await request(app.http).head('/demo/%');
    expect(res.status).toBe(400);
    expect(errorLines()).toEqual([]);
  });
});

describe('bodies that do not match their Content-Encoding', () => {
  it.each(['gzip', 'deflate', 'br'])('a garbage %s body is 400 invalid_json, and a real one still posts', async (encoding) => {
    app = await createTestApp();
    const port = await listen();
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      const res = await rawPost(port, '/api/v1/comments', { 'Content-Type': type, 'Content-Encoding': encoding }, Buffer.from('this is not compressed at all'));
      expect(res.status).toBe(400);
      expect((res.json as { error: { code: string } }).error.code).toBe('invalid_json');
    }
    const compress = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync }[encoding]!;
    const good = await rawPost(
      port,
      '/api/v1/comments',
      { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
      compress(Buffer.from(JSON.stringify(validComment({ body: `compressed with ${encoding}` })))),
    );
    expect(good.status).toBe(201);
    expect(errorLines()).toEqual([]);
  });
});

describe('deeply nested JSON', () => {
  const nested = (levels: number) => {
    let s = '"bot"';
    for (let i = 0; i < levels; i++) s = `{"a":${s}}`;
    return s;
  };
  const withHoneypot = (value: string) => {
    const base = JSON.stringify(validComment());
    return `${base.slice(0, -1)},"contact_me_by_fax_only":${value}}`;
  };

  it('refuses a honeypot value nested 5,000 levels deep with 400 invalid_json, before validation recurses into it', async () => {
    app = await createTestApp();
    const res = await request(app.http).post('/api/v1/comments').set('Content-Type', 'application/json').send(withHoneypot(nested(5000)));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.body.error.message).toMatch(/nested/);
    expect(errorLines()).toEqual([]);
  });

  it('refuses deep bodies on the admin API too', async () => {
    app = await createTestApp({ ADMIN_TOKEN: TOKEN });
    const res = await request(app.http)
      .post('/api/v1/admin/bans')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', 'application/json')
      .send(`{"x":${nested(5000)}}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('still reads a shallow object in the honeypot as a bot filling it', async () => {
    app = await createTestApp();
    const res = await request(app.http).post('/api/v1/comments').set('Content-Type', 'application/json').send(withHoneypot(nested(3)));
    expect(res.status).toBeLessThan(500);
    expect(res.body.comment?.status ?? res.body.error?.code).not.toBe('approved');
    const thread = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    expect(thread.body.thread.commentCount).toBe(0);
  });
});

describe('a client that aborts its upload', () => {
  it('is logged at info, not as an error', async () => {
    app = await createTestApp();
    const port = await listen();
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /api/v1/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"name":"half');
    // Let the server start reading the body, then hang up mid-upload.
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    while (!/client aborted|unhandled error/.test(app.logText())) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errorLines()).toEqual([]);
    const line = app.logText().split('\n').find((l) => l.includes('client aborted'))!;
    expect(JSON.parse(line).level).toBe(30);
  });
});
