/** Bans over HTTP (issue 9, hole 5): canonical IPs, prefixes, emails without case or +tags, whole domains. */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = `${'k'.repeat(20)}-moderator-token-0123456789`;
const ADMIN_ENV = { ADMIN_TOKEN: `alice:${TOKEN}` };

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const ban = (body: object) => request(app.http).post('/api/v1/admin/bans').set('Authorization', `Bearer ${TOKEN}`).send(body);
const listBans = () => request(app.http).get('/api/v1/admin/bans').set('Authorization', `Bearer ${TOKEN}`);

let seq = 0;
/** Posts a fresh comment from `ip` (through the trusted proxy's X-Forwarded-For) and answers the status. */
async function postFrom(ip: string | null, overrides: Record<string, unknown> = {}): Promise<number> {
  seq += 1;
  let req = request(app.http).post('/api/v1/comments');
  if (ip) req = req.set('X-Forwarded-For', ip);
  const res = await req.send(validComment({ body: `comment ${seq}`, email: `reader${seq}@example.org`, ...overrides }));
  if (res.status === 403) expect(res.body.error).toMatchObject({ code: 'banned', message: 'You cannot comment here.' });
  return res.status;
}

describe('IP bans', () => {
  it('bans 127.0.0.1 in every spelling, including the IPv4-mapped IPv6 form', async () => {
    app = await createTestApp({ ...ADMIN_ENV, TRUST_PROXY: '1' });
    expect((await ban({ ip: '127.0.0.1' })).status).toBe(201);
    expect(await postFrom('::ffff:127.0.0.1')).toBe(403);
    expect(await postFrom('::FFFF:7f00:1')).toBe(403);
    expect(await postFrom('127.0.0.1')).toBe(403);
    expect(await postFrom('127.0.0.2')).toBe(201);
  });

  it('bans the address a client connects from directly, without a proxy', async () => {
    app = await createTestApp(ADMIN_ENV);
    expect(await postFrom(null)).toBe(201);
    await ban({ ip: '::ffff:127.0.0.1' }).expect(201);
    expect(await postFrom(null)).toBe(403);
  });

  it('bans 2001:db8:0:0::1 when the client comes as 2001:db8::1, and with it that /64', async () => {
    app = await createTestApp({ ...ADMIN_ENV, TRUST_PROXY: '1' });
    const res = await ban({ ip: '2001:db8:0:0::1' });
    expect(res.body.ban).toMatchObject({ kind: 'ip', prefix: 64 });
    expect(await postFrom('2001:db8::1')).toBe(403);
    expect(await postFrom('2001:DB8::abcd:1')).toBe(403);
    expect(await postFrom('2001:db8:0:1::1')).toBe(201);
  });

  it('bans a prefix: IPv6 /48 and IPv4 /24', async () => {
    app = await createTestApp({ ...ADMIN_ENV, TRUST_PROXY: '1' });
    expect((await ban({ ip: '2001:db8::/48' })).body.ban).toMatchObject({ kind: 'ip', prefix: 48 });
    expect((await ban({ ip: '198.51.100.0/24' })).body.ban).toMatchObject({ kind: 'ip', prefix: 24 });
    expect(await postFrom('2001:db8:0:ffff::5')).toBe(403);
    expect(await postFrom('2001:db8:1::5')).toBe(201);
    expect(await postFrom('198.51.100.200')).toBe(403);
    expect(await postFrom('::ffff:198.51.100.7')).toBe(403);
    expect(await postFrom('198.51.101.1')).toBe(201);
  });

  it('bans exactly one IPv6 address when asked for /128', async () => {
    app = await createTestApp({ ...ADMIN_ENV, TRUST_PROXY: '1' });
    await ban({ ip: '2001:db8::1/128' }).expect(201);
    expect(await postFrom('2001:db8:0::1')).toBe(403);
    expect(await postFrom('2001:db8::2')).toBe(201);
  });

  it.each([
    [{ ip: '10.0.0.0/7' }, { ip: 'too_wide' }],
    [{ ip: '2001:db8::/15' }, { ip: 'too_wide' }],
    [{ ip: '::/0' }, { ip: 'too_wide' }],
    [{ ip: 'fe80::1%eth0' }, { ip: 'invalid' }],
    [{ ip: '10.0.0.0/33' }, { ip: 'invalid' }],
    [{ ip: 12 }, { ip: 'invalid' }],
    [{ domain: 'org' }, { domain: 'too_wide' }],
    [{ domain: 'not a domain' }, { domain: 'invalid' }],
    [{ domain: 'example.org', ip: '10.0.0.1' }, { email: 'email_or_ip' }],
  ])('answers 400 to the ban %j with fields %j, without echoing the value', async (body, fields) => {
    app = await createTestApp(ADMIN_ENV);
    const res = await ban(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', fields });
    const value = String(Object.values(body)[0]);
    expect(res.body.error.message).not.toContain(value);
    expect((await listBans()).body.bans).toEqual([]);
  });
});

describe('email and domain bans', () => {
  it('bans an email in any case and with any +tag', async () => {
    app = await createTestApp(ADMIN_ENV);
    await ban({ email: 'Troll+old@Example.org' }).expect(201);
    expect(await postFrom(null, { email: 'troll@example.org' })).toBe(403);
    expect(await postFrom(null, { email: 'TROLL+new@EXAMPLE.ORG' })).toBe(403);
    expect(await postFrom(null, { email: 'troll2@example.org' })).toBe(201);
  });

  it('bans a whole domain and its subdomains, and nothing that merely ends like it', async () => {
    app = await createTestApp(ADMIN_ENV);
    const res = await ban({ domain: 'spam-domain.example' });
    expect(res.body.ban).toMatchObject({ kind: 'domain', prefix: null });
    expect(await postFrom(null, { email: 'a@spam-domain.example' })).toBe(403);
    expect(await postFrom(null, { email: 'b@Mail.Spam-Domain.example' })).toBe(403);
    expect(await postFrom(null, { email: 'c@not-spam-domain.example' })).toBe(201);
  });

  it('lists kinds and prefixes but no address, domain or hash, and lifts a ban on delete', async () => {
    app = await createTestApp({ ...ADMIN_ENV, TRUST_PROXY: '1' });
    const created = [
      (await ban({ ip: '2001:db8::/48', reason: 'flood' })).body.ban,
      (await ban({ domain: 'spam-domain.example' })).body.ban,
      (await ban({ email: 'troll@example.org' })).body.ban,
    ];
    const list = await listBans();
    expect(list.body.bans.map((b: { kind: string; prefix: number | null }) => [b.kind, b.prefix])).toEqual(
      expect.arrayContaining([['ip', 48], ['domain', null], ['email', null]]),
    );
    const text = JSON.stringify(list.body) + JSON.stringify(created) + JSON.stringify(await app.storage.listBans());
    expect(text).not.toMatch(/2001|db8|spam-domain|troll/i);
    expect(app.logText()).not.toMatch(/2001:db8|spam-domain|troll@/i);
    expect(list.body.bans[0]).not.toHaveProperty('hash');

    expect(await postFrom('2001:db8::9')).toBe(403);
    await request(app.http).delete(`/api/v1/admin/bans/${created[0].id}`).set('Authorization', `Bearer ${TOKEN}`).expect(204);
    expect(await postFrom('2001:db8::9')).toBe(201);
  });
});
