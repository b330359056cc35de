/**
 * Parley's own assets and pages through the real app: embed.js / count.js (built by the real build script), CORS on
 * the readers' API (and never on the admin API), the no-JavaScript thread page with its form, and the demo page.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DomUtils, parseDocument } from 'htmlparser2';
import type { Element } from 'domhandler';
import request from 'supertest';
import { HONEYPOT_FIELD } from '../../src/domain/comment.js';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { buildWeb, PUBLIC_DIR, type BuiltAsset } from '../support/web-build.js';

let manifest: Record<string, BuiltAsset>;
let buildOutput: string;
let app: TestApp;

beforeAll(() => {
  ({ manifest, output: buildOutput } = buildWeb());
});
afterEach(async () => {
  await app?.close();
});

const KB = 1024;

describe('the browser bundles', () => {
  it('stay within their size budgets, and the build prints every size raw and gzipped', () => {
    expect(manifest['embed.js']!.gzip).toBeLessThanOrEqual(15 * KB);
    expect(manifest['count.js']!.gzip).toBeLessThanOrEqual(2 * KB);
    expect(manifest['me.js']!.gzip).toBeLessThanOrEqual(8 * KB);
    for (const name of ['embed.js', 'count.js', 'me.js']) {
      const info = manifest[name]!;
      expect(buildOutput).toMatch(new RegExp(`${name.replace('.', '\\.')}\\s.*KB`));
      expect(buildOutput).toContain(String(info.bytes));
      expect(buildOutput).toContain(String(info.gzip));
    }
  });

  it.each(['embed.js', 'count.js', 'me.js'])('serves %s as JavaScript that any site may load, briefly cached without the hash', async (name) => {
    app = await createTestApp();
    const res = await request(app.http).get(`/${name}`).set('Accept-Encoding', 'identity');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.text).toBe(fs.readFileSync(path.join(PUBLIC_DIR, name), 'utf8'));
    // The integrity in the manifest matches what is served (pages may use SRI).
    expect(`sha384-${createHash('sha384').update(res.text).digest('base64')}`).toBe(manifest[name]!.integrity);
  });

  it('builds into embed.js the hashed path and the integrity of me.js, which it loads on first use', () => {
    const embed = fs.readFileSync(path.join(PUBLIC_DIR, 'embed.js'), 'utf8');
    expect(embed).toContain(`me.js?v=${manifest['me.js']!.hash}`);
    expect(embed).toContain(manifest['me.js']!.integrity);
  });

  it('caches a script for a year, immutable, when asked with its current hash, and briefly with any other', async () => {
    app = await createTestApp();
    const hash = manifest['embed.js']!.hash;
    const current = await request(app.http).get(`/embed.js?v=${hash}`);
    expect(current.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const stale = await request(app.http).get('/embed.js?v=0123456789abcdef');
    expect(stale.headers['cache-control']).toBe('public, max-age=300');
  });

  it('sends the pre-compressed copy the browser accepts, and revalidates by ETag', async () => {
    app = await createTestApp();
    const br = await request(app.http).get('/embed.js').set('Accept-Encoding', 'gzip, deflate, br').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/Accept-Encoding/);
    expect(Number(br.headers['content-length'])).toBeLessThan(manifest['embed.js']!.gzip);
    const gz = await request(app.http).get('/embed.js').set('Accept-Encoding', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.text).toBe(fs.readFileSync(path.join(PUBLIC_DIR, 'embed.js'), 'utf8'));
    const again = await request(app.http).get('/embed.js').set('Accept-Encoding', 'gzip').set('If-None-Match', gz.headers.etag!);
    expect(again.status).toBe(304);
  });

  it('serves admin.js, when built, to its own origin only', async () => {
    app = await createTestApp();
    const res = await request(app.http).get('/admin.js');
    if (!manifest['admin.js']) {
      expect(res.status).toBe(404);
      return;
    }
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS on the readers’ API', () => {
  const SITE = 'https://news.example.org';
  const OWN = 'https://comments.example.org';
  const restricted = () => createTestApp({ ALLOWED_ORIGINS: SITE, PUBLIC_URL: OWN });
  const threads = () => request(app.http).get('/api/v1/threads').query({ url: ARTICLE });

  it('answers an allowed site and this service’s own origin, naming the origin and varying on it', async () => {
    app = await restricted();
    for (const origin of [SITE, OWN]) {
      const res = await threads().set('Origin', origin);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers.vary).toMatch(/Origin/);
      expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
    }
  });

  it('refuses any other origin with a 403 it can read (no other CORS header), and stores nothing it posts', async () => {
    app = await restricted();
    const res = await threads().set('Origin', 'https://evil.example');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
    // Readable, so the widget tells a refused site from an outage; nothing else is exposed or allowed.
    expect(res.headers['access-control-allow-origin']).toBe('https://evil.example');
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain('news.example.org');
    // A form post needs no preflight: it must be refused, not just made unreadable.
    const post = await request(app.http)
      .post('/api/v1/comments')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send(validComment() as Record<string, string>);
    expect(post.status).toBe(403);
    expect((await threads()).body.thread.commentCount).toBe(0);
  });

  it('answers requests without an Origin (servers, same-origin reads) without CORS headers', async () => {
    app = await restricted();
    const res = await threads();
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a preflight from an allowed site with 204, the methods, Authorization and Content-Type, and a max age', async () => {
    app = await restricted();
    const res = await request(app.http)
      .options('/api/v1/comments/01ABC')
      .set('Origin', SITE)
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'authorization, content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    for (const m of ['GET', 'POST', 'PATCH', 'DELETE']) expect(res.headers['access-control-allow-methods']).toContain(m);
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Content-Type/);
    expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('refuses a preflight from another origin', async () => {
    app = await restricted();
    const res = await request(app.http).options('/api/v1/comments').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('answers every origin when ALLOWED_ORIGINS is unset', async () => {
    app = await createTestApp();
    const res = await threads().set('Origin', 'https://anywhere.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const pre = await request(app.http).options('/api/v1/comments').set('Origin', 'https://anywhere.example').set('Access-Control-Request-Method', 'POST');
    expect(pre.status).toBe(204);
  });

  it.each([
    ['unset', {}],
    ['restricted', { ALLOWED_ORIGINS: SITE, PUBLIC_URL: OWN }],
  ])('never answers the admin API cross-origin (ALLOWED_ORIGINS %s)', async (_label, env) => {
    app = await createTestApp({ ...env, ADMIN_TOKEN: 'moderator-token-0123456789-abcdefghijklmnop' });
    for (const origin of [SITE, OWN, 'https://evil.example']) {
      const pre = await request(app.http)
        .options('/api/v1/admin/comments')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      expect(pre.headers['access-control-allow-methods']).toBeUndefined();
      expect(pre.headers['access-control-allow-headers']).toBeUndefined();
      const get = await request(app.http)
        .get('/api/v1/admin/comments')
        .set('Origin', origin)
        .set('Authorization', 'Bearer moderator-token-0123456789-abcdefghijklmnop');
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
      const upper = await request(app.http).options('/API/V1/ADMIN/comments').set('Origin', origin).set('Access-Control-Request-Method', 'GET');
      expect(upper.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

/** The no-JavaScript page, parsed. */
function parse(text: string) {
  const doc = parseDocument(text);
  const all = (pred: (e: Element) => boolean) => DomUtils.findAll(pred, doc.children);
  const byId = (id: string) => all((e) => e.attribs.id === id)[0];
  return { doc, all, byId, text: (e: Element | undefined) => (e ? DomUtils.textContent(e) : '') };
}

describe('the no-JavaScript thread page', () => {
  const page = (query: Record<string, string>) => request(app.http).get('/threads/html').query(query);
  const apiPost = (body: Record<string, unknown>) => request(app.http).post('/api/v1/comments').send(validComment(body));
  const formPost = (fields: Record<string, string>) => request(app.http).post('/threads/html').type('form').send(fields);
  const formOf = (html: string) => {
    const { all } = parse(html);
    const inputs = all((e) => e.name === 'input' || e.name === 'textarea');
    return Object.fromEntries(inputs.map((e) => [e.attribs.name!, e.name === 'textarea' ? DomUtils.textContent(e) : (e.attribs.value ?? '')]));
  };

  it('renders the thread with nested replies and [deleted] placeholders, escaping everything but the sanitised comment HTML', async () => {
    app = await createTestApp();
    const evilName = '<img src=x onerror=alert(1)>';
    const root = await apiPost({ name: evilName, website: 'https://ada.example/?a=1&b="2"', body: 'Root *comment* <script>alert(2)</script>' });
    const gone = await apiPost({ name: 'Grace', email: 'grace@example.org', body: 'to be deleted' });
    await apiPost({ name: 'Reply Person', email: 'r@example.org', body: 'a reply', parentId: root.body.comment.id });
    await apiPost({ name: 'Orphan', email: 'o@example.org', body: 'reply to the deleted one', parentId: gone.body.comment.id });
    await request(app.http).delete(`/api/v1/comments/${gone.body.comment.id}`).set('Authorization', `Bearer ${gone.body.editToken}`);

    const res = await page({ url: ARTICLE });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).not.toContain(evilName);
    expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.text).not.toMatch(/<script/i);
    expect(res.text).toContain('<em>comment</em> &lt;script&gt;alert(2)&lt;/script&gt;');

    const { byId, all, text } = parse(res.text);
    const rootLi = byId(`c-${root.body.comment.id}`)!;
    const link = DomUtils.findOne((e) => e.name === 'a' && e.attribs.rel !== undefined, rootLi.children)!;
    expect(link.attribs).toMatchObject({ href: 'https://ada.example/?a=1&b="2"', rel: 'nofollow ugc noopener noreferrer' });
    expect(res.text).toContain('href="https://ada.example/?a=1&amp;b=&quot;2&quot;"');
    expect(text(link)).toBe(evilName);
    // The reply sits inside its parent's list item, in a nested list.
    const nested = DomUtils.findAll((e) => e.name === 'ol' && e.attribs.class === 'kids', rootLi.children);
    expect(nested).toHaveLength(1);
    expect(text(nested[0])).toContain('a reply');
    const placeholder = byId(`c-${gone.body.comment.id}`)!;
    expect(text(placeholder)).toContain('[deleted]');
    expect(text(placeholder)).not.toContain('Grace');
    expect(text(placeholder)).toContain('reply to the deleted one');
    expect(text(all((e) => e.name === 'h1')[0])).toBe('3 comments');
  });

  it('has a plain form with a server-issued form token, the hidden honeypot and the required fields', async () => {
    app = await createTestApp();
    const res = await page({ url: ARTICLE });
    const { all, byId, text } = parse(res.text);
    const form = all((e) => e.name === 'form')[0]!;
    expect(form.attribs).toMatchObject({ method: 'post', action: '/threads/html' });
    const fields = formOf(res.text);
    expect(fields.url).toBe(ARTICLE);
    expect(fields.formToken).toMatch(/^v1\./);
    expect(fields[HONEYPOT_FIELD]).toBe('');
    const honeypot = byId(HONEYPOT_FIELD)!;
    expect((honeypot.parent as Element).attribs.hidden).toBeDefined();
    for (const f of ['name', 'email', 'body']) expect(byId(f)!.attribs.required).toBeDefined();
    expect(byId('website')!.attribs.required).toBeUndefined();
    expect(text(byId('notes'))).toBe('Your email address will not be published. Required fields are marked *');
    for (const [id, label] of [['body', 'Comment'], ['name', 'Name'], ['email', 'Email'], ['website', 'Website']]) {
      const l = all((e) => e.name === 'label' && e.attribs.for === id)[0];
      expect(text(l).replace(/\s*\*$/, '')).toBe(label);
    }
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
  });

  it('publishes a form post and redirects (303) back to the thread, which shows the outcome and the comment', async () => {
    app = await createTestApp();
    const fields = formOf((await page({ url: ARTICLE })).text);
    app.clock.advance(5_000);
    const res = await formPost({ ...fields, name: 'Nora No-Script', email: 'nora@example.org', body: 'Posted *without* JavaScript.' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.location!, 'http://parley.test');
    expect(location.pathname).toBe('/threads/html');
    expect(location.searchParams.get('url')).toBe(ARTICLE);
    expect(location.searchParams.get('posted')).toBe('approved');
    expect(location.hash).toMatch(/^#c-/);
    const after = await request(app.http).get(`${location.pathname}${location.search}`);
    expect(after.text).toContain('Your comment has been published.');
    expect(after.text).toContain('Posted <em>without</em> JavaScript.');
    const { byId } = parse(after.text);
    expect(byId(location.hash.slice(1))).toBeDefined();
  });

  it('says "awaiting moderation" after a held post, and does not show the comment to readers', async () => {
    app = await createTestApp({ MODERATION: 'all' });
    const fields = formOf((await page({ url: ARTICLE })).text);
    app.clock.advance(5_000);
    const res = await formPost({ ...fields, name: 'Held Harriet', email: 'h@example.org', body: 'Please hold me.' });
    expect(res.status).toBe(303);
    const after = await request(app.http).get(res.headers.location!.replace(/#.*$/, ''));
    expect(after.text).toContain('Your comment is awaiting moderation.');
    expect(after.text).not.toContain('Please hold me.');
  });

  it('answers field errors at once, beside the fields, keeping what was typed', async () => {
    app = await createTestApp();
    const fields = formOf((await page({ url: ARTICLE })).text);
    const typed = 'My long answer with <b>markup</b> & "quotes"';
    const res = await formPost({ ...fields, name: '', email: 'not-an-email', website: 'https://me.example', body: typed });
    expect(res.status).toBe(400);
    const { byId, text } = parse(res.text);
    expect(text(byId('e-name'))).toBe('Please enter your name.');
    expect(text(byId('e-email'))).toMatch(/valid email/);
    expect(byId('e-body')).toBeUndefined();
    expect(byId('name')!.attribs['aria-invalid']).toBe('true');
    expect(byId('name')!.attribs['aria-describedby']).toBe('e-name');
    expect(byId('email')!.attribs['aria-describedby']).toBe('notes e-email');
    const kept = formOf(res.text);
    expect(kept).toMatchObject({ body: typed, email: 'not-an-email', website: 'https://me.example', url: ARTICLE });
    expect(res.text).toContain('My long answer with &lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot;');
    expect((await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body.thread.commentCount).toBe(0);
  });

  it('opens the form as a reply with ?replyto= and nests the posted reply', async () => {
    app = await createTestApp();
    const parent = await apiPost({});
    const res = await page({ url: ARTICLE, replyto: parent.body.comment.id });
    expect(res.text).toContain('Reply to Ada Lovelace');
    expect(res.text).toContain('Cancel reply');
    const fields = formOf(res.text);
    expect(fields.parentId).toBe(parent.body.comment.id);
    app.clock.advance(5_000);
    const posted = await formPost({ ...fields, name: 'Replier', email: 'replier@example.org', body: 'A nested answer' });
    expect(posted.status).toBe(303);
    const { byId, text } = parse((await request(app.http).get(posted.headers.location!.replace(/#.*$/, ''))).text);
    expect(text(byId(`c-${parent.body.comment.id}`))).toContain('A nested answer');
  });

  it('answers 400 for a missing or invalid article address and 403 for a site that is not allowed', async () => {
    app = await createTestApp({ ALLOWED_ORIGINS: 'https://news.example.org' });
    expect((await page({})).status).toBe(400);
    expect((await page({ url: 'javascript:alert(1)' })).status).toBe(400);
    const other = await page({ url: 'https://elsewhere.example/post' });
    expect(other.status).toBe(403);
    expect(other.text).toContain('Comments are not enabled for this site.');
  });
});

describe('the demo page', () => {
  it('looks like an article with the widget under it, loads only this origin’s scripts, and is served under a strict CSP', async () => {
    app = await createTestApp({ PUBLIC_URL: 'https://comments.example.org' });
    const res = await request(app.http).get('/demo');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = res.headers['content-security-policy']!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);

    const { all, text } = parse(res.text);
    expect(all((e) => e.name === 'h1')).toHaveLength(1);
    expect(all((e) => e.name === 'p' && e.attribs.class === 'byline')).toHaveLength(1);
    expect(all((e) => e.name === 'article')[0]!.children.filter((c) => (c as Element).name === 'p').length).toBeGreaterThanOrEqual(4);
    expect(all((e) => e.attribs.id === 'parley')).toHaveLength(1);
    expect(all((e) => e.name === 'link' && e.attribs.rel === 'canonical')[0]!.attribs.href).toBe('https://comments.example.org/demo');
    const scripts = all((e) => e.name === 'script');
    expect(scripts.map((s) => s.attribs.src)).toEqual([`/embed.js?v=${manifest['embed.js']!.hash}`, `/count.js?v=${manifest['count.js']!.hash}`]);
    for (const s of scripts) expect(text(s)).toBe('');
    expect(all((e) => e.attribs['data-parley-count'] !== undefined).length).toBeGreaterThanOrEqual(2);
    // The one inline stylesheet is exactly the one the CSP names by hash; no style attributes anywhere.
    const styles = all((e) => e.name === 'style');
    expect(styles).toHaveLength(1);
    expect(csp).toContain(`'sha256-${createHash('sha256').update(text(styles[0])).digest('base64')}'`);
    expect(all((e) => e.attribs.style !== undefined)).toHaveLength(0);
  });

  it('has more stories, and nothing at unknown ones', async () => {
    app = await createTestApp();
    expect((await request(app.http).get('/demo/harbour-ferry')).status).toBe(200);
    expect((await request(app.http).get('/demo/no-such-story')).status).toBe(404);
  });
});
