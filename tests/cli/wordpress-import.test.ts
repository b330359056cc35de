import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import fc from 'fast-check';
import { htmlToMarkdown } from '../../src/cli/html-to-markdown.js';
import { wordpressCommentId } from '../../src/cli/wordpress-import.js';
import type { Comment } from '../../src/domain/comment.js';
import { renderBody } from '../../src/domain/markup.js';
import { avatarKey, emailKeyOf } from '../../src/domain/privacy.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { cli, TEST_SECRET } from '../support/run-cli.js';
import { mongoMissing } from '../support/spawn-service.js';

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'wordpress-export.xml');
const SITE = 'https://old.example.org';
const POST1 = 'https://old.example.org/2024/01/hello-world';
const POST2 = 'https://old.example.org/2024/02/second';
const idOf = (wpId: number) => wordpressCommentId(SITE, String(wpId));

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-wp-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function allComments(dataDir: string): Promise<Map<string, Comment>> {
  const s = openSqliteStorage({ dataDir });
  const all = await s.listAllComments({ after: null, limit: 1000 });
  await s.close();
  return new Map(all.map((c) => [c.id, c]));
}

async function exportText(dataDir: string): Promise<string> {
  const out = path.join(tempDir(), 'x.jsonl');
  await cli(['export', 'json', '--out', out], { DATA_DIR: dataDir });
  return fs.readFileSync(out, 'utf8');
}

describe('import wordpress', () => {
  it('imports every comment with its author, date, nesting and approval, and skips pingbacks and trackbacks', async () => {
    const dir = tempDir();
    const r = await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: dir });
    expect(r.stdout).toContain('imported: 6');
    expect(r.stdout).toMatch(/skipped: 2\n {2}pingback: 1\n {2}trackback: 1/);
    const comments = await allComments(dir);
    expect(comments.size).toBe(6);

    const zoe = comments.get(idOf(10))!;
    expect(zoe).toMatchObject({ threadKey: POST1, parentId: null, depth: 0, status: 'approved', createdAt: new Date('2024-01-02T03:04:05.000Z') });
    expect(zoe.author).toEqual({
      name: 'Zoë Ångström',
      email: 'Zoe@Example.com',
      emailKey: emailKeyOf('Zoe@Example.com', TEST_SECRET),
      website: 'https://zoe.example.net/',
      avatar: avatarKey('Zoe@Example.com', TEST_SECRET, 'identicon'),
    });
    expect(zoe.context.ip).toBe('203.0.113.10');
    expect(zoe.html).toBe(
      '<p>First <strong>paragraph</strong> with <a href="https://example.com/page" rel="nofollow ugc noopener noreferrer">a link</a>.</p>\n<p>Second paragraph<br>\nwith a line break.</p>\n',
    );

    // 12 is a reply to 11, which replies to 10; 12 comes first in the file.
    const bob = comments.get(idOf(11))!;
    const lee = comments.get(idOf(12))!;
    expect(bob).toMatchObject({ parentId: zoe.id, rootId: zoe.id, depth: 1 });
    expect(bob.author.website).toBeNull(); // javascript: URL dropped
    expect(bob.html).toContain('<blockquote>');
    expect(bob.html).toContain('I agree &amp; so on.');
    expect(lee).toMatchObject({ parentId: bob.id, rootId: zoe.id, depth: 2 });
    expect(lee.author.name).toBe('李小龙');
    expect(lee.html).toContain('<code>x &lt; y</code>');

    expect(comments.get(idOf(20))!.status).toBe('spam');
    expect(comments.get(idOf(21))!.status).toBe('pending');
    expect(comments.get(idOf(22))!.status).toBe('deleted');
    expect(comments.get(idOf(20))!.threadKey).toBe(POST2);

    const s = openSqliteStorage({ dataDir: dir });
    expect((await s.countVisible([POST1, POST2])).get(POST1)).toBe(3);
    expect((await s.getThread(POST1))?.lastCommentAt).toEqual(new Date('2024-01-03T09:00:00.000Z'));
    await s.close();
  });

  it('reports a comment whose parent is missing by its id and line, imports the rest, and exits non-zero', async () => {
    const r = await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed: 1\n {2}missing_parent: 1/);
    expect(r.stdout).toMatch(/comment 23 at line \d+: missing_parent/);
  });

  it('ends a parent loop in a broken file as missing parents instead of hanging', async () => {
    const r = await cli(['import', 'wordpress', path.join(path.dirname(FIXTURE), 'wordpress-parent-loop.xml')], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/imported: 1\n[\s\S]*missing_parent: 2/);
  });

  it('lets no script, event handler or javascript: link through', async () => {
    const dir = tempDir();
    await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: dir });
    const mallory = (await allComments(dir)).get(idOf(20))!;
    expect(mallory.html).toBe('<p>Nice post again</p>\n<p>styled</p>\n');
    for (const c of (await allComments(dir)).values()) {
      expect(c.html).not.toMatch(/<script|<iframe|<svg|<img|\son\w+=|javascript:|style=/i);
    }
  });

  it('adds nothing when run twice', async () => {
    const dir = tempDir();
    await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: dir });
    const before = await exportText(dir);
    const again = await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: dir });
    expect(again.stdout).toContain('imported: 0');
    expect(again.stdout).toContain('already_imported: 6');
    expect(await exportText(dir)).toBe(before);
  });

  it('writes nothing on --dry-run but reports what it would do', async () => {
    const dir = tempDir();
    const r = await cli(['import', 'wordpress', '--dry-run', FIXTURE], { DATA_DIR: dir });
    expect(r.stdout).toContain('would import: 6');
    expect((await allComments(dir)).size).toBe(0);
  });

  it('rewrites article URLs with --map and sets every status with --status', async () => {
    const dir = tempDir();
    await cli(['import', 'wordpress', '--map', 'https://old.example.org/=https://new.example.com/blog/', '--status', 'pending', FIXTURE], { DATA_DIR: dir });
    const comments = [...(await allComments(dir)).values()];
    expect(new Set(comments.map((c) => c.threadKey))).toEqual(
      new Set(['https://new.example.com/blog/2024/01/hello-world', 'https://new.example.com/blog/2024/02/second']),
    );
    expect(new Set(comments.map((c) => c.status))).toEqual(new Set(['pending']));
  });

  it('attaches replies deeper than MAX_DEPTH like the service does', async () => {
    const dir = tempDir();
    await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: dir, MAX_DEPTH: '2' });
    const comments = await allComments(dir);
    // It keeps the comment it answered (11), so replies to it still reach that comment's followers.
    expect(comments.get(idOf(12))).toMatchObject({ parentId: idOf(10), replyTo: idOf(11), rootId: idOf(10), depth: 1 });
    expect(comments.get(idOf(11))).not.toHaveProperty('replyTo');
  });

  it('refuses articles of a site that ALLOWED_ORIGINS does not list', async () => {
    const r = await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: tempDir(), ALLOWED_ORIGINS: 'https://elsewhere.example' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('origin_not_allowed: 7');
  });

  it('imports what precedes a truncation and names the line where the file breaks', async () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const cut = text.slice(0, text.indexOf('<wp:comment_id>21</wp:comment_id>'));
    const file = path.join(tempDir(), 'truncated.xml');
    fs.writeFileSync(file, cut);
    const dir = tempDir();
    const r = await cli(['import', 'wordpress', file], { DATA_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/line \d+ \(.+\): xml_error/);
    const ids = [...(await allComments(dir)).keys()];
    expect(ids).toEqual(expect.arrayContaining([idOf(10), idOf(11), idOf(12), idOf(20)]));
  });

  it('finishes an interrupted import when run again, with the same result as one whole run', async () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const cut = path.join(tempDir(), 'cut.xml');
    fs.writeFileSync(cut, text.slice(0, text.indexOf('<wp:comment_id>21</wp:comment_id>')));
    const dir = tempDir();
    expect((await cli(['import', 'wordpress', cut], { DATA_DIR: dir })).code).toBe(1);
    const again = await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: dir });
    expect(again.stdout).toMatch(/imported: [1-5]\n/);
    expect(again.stdout).toContain('already_imported:');
    const whole = tempDir();
    await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: whole });
    expect(await exportText(dir)).toBe(await exportText(whole));
  });

  it('names a comment that has no thread (an item without a link), imports the rest, and exits non-zero', async () => {
    const text = fs.readFileSync(FIXTURE, 'utf8').replace('<link>https://old.example.org/2024/02/second/</link>', '');
    const file = path.join(tempDir(), 'no-link.xml');
    fs.writeFileSync(file, text);
    const dir = tempDir();
    const r = await cli(['import', 'wordpress', file], { DATA_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/comment at line \d+ of item at line \d+ \(post 2\): comment_without_thread/);
    expect([...(await allComments(dir)).values()].map((c) => c.threadKey)).toEqual([POST1, POST1, POST1]);
  });

  it('sends no notification: nothing reaches the outbox, whatever webhooks and mail are configured', async () => {
    const dir = tempDir();
    const env = {
      DATA_DIR: dir,
      WEBHOOK_URLS: 'http://127.0.0.1:9/hook',
      WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      SMTP_URL: 'smtp://127.0.0.1:9',
      MAIL_FROM: 'Parley <parley@example.org>',
      MODERATOR_EMAILS: 'desk@example.org',
      MODERATION: 'all',
    };
    const r = await cli(['import', 'wordpress', FIXTURE], env);
    expect(r.stdout).toContain('imported: 6');
    const s = openSqliteStorage({ dataDir: dir });
    await expect(s.listOutbox({ limit: 100 })).resolves.toEqual([]);
    await s.close();
  });

  it("places replies that come before their parent and comments that come before the article's link", async () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const link = '<link>https://old.example.org/2024/01/hello-world/?utm_source=feed</link>';
    // The link (and a publication date) moved to the end of the first article, after its comments.
    const firstEnd = text.indexOf('</item>');
    const moved = `${text.slice(0, firstEnd).replace(link, '')}${link}<wp:post_date_gmt>2023-12-31 08:00:00</wp:post_date_gmt>${text.slice(firstEnd)}`;
    const file = path.join(tempDir(), 'late-link.xml');
    fs.writeFileSync(file, moved);
    const dir = tempDir();
    const r = await cli(['import', 'wordpress', file], { DATA_DIR: dir });
    expect(r.stdout).toContain('imported: 6');
    const comments = await allComments(dir);
    expect(comments.get(idOf(12))).toMatchObject({ threadKey: POST1, parentId: idOf(11), rootId: idOf(10), depth: 2 });
    const s = openSqliteStorage({ dataDir: dir });
    expect((await s.getThread(POST1))?.createdAt).toEqual(new Date('2023-12-31T08:00:00.000Z'));
    await s.close();
  });

  it('refuses a file that is not a WordPress export', async () => {
    const file = path.join(tempDir(), 'not.xml');
    fs.writeFileSync(file, '<html><body><p>hello</p></body></html>');
    const r = await cli(['import', 'wordpress', file], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not_a_wordpress_export');
  });

  it('names a missing file without a stack trace', async () => {
    const r = await cli(['import', 'wordpress', '/nonexistent/export.xml'], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Cannot read /nonexistent/export.xml: ENOENT.\n');
  });
});

describe('imported HTML', () => {
  it('keeps text that looks like Markdown as text', () => {
    expect(renderBody(htmlToMarkdown('2 * 3 * 4 and [x](a.html) and &lt;b&gt; and `tick` and _u_'))).toBe(
      '<p>2 * 3 * 4 and [x](a.html) and &lt;b&gt; and `tick` and _u_</p>\n',
    );
  });

  it('keeps lists, code blocks and strikethrough', () => {
    expect(renderBody(htmlToMarkdown('<ul><li>a</li><li>b</li></ul><pre>  x = 1\n  *y*</pre><del>gone</del>'))).toBe(
      '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<pre><code>  x = 1\n  *y*\n</code></pre>\n<p><s>gone</s></p>\n',
    );
  });

  it('never renders a script, an event handler or a javascript: link, whatever the input', () => {
    const hostile = fc.constantFrom(
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<a href="javascript:alert(1)">x</a>',
      '<a href="&#x6A;avascript:alert(1)">x</a>',
      '<a href=" javascript:alert(1)">x</a>',
      '<p onclick="alert(1)">p</p>',
      '<svg onload=alert(1)>',
      '<scr<script>ipt>alert(1)</script>',
      '&lt;script&gt;alert(1)&lt;/script&gt;',
      '[x](javascript:alert(1))',
      '<a href="https://ok.example/" onmouseover="alert(1)">ok</a>',
      '<blockquote><em>',
      '</a></p><',
    );
    const piece = fc.oneof(hostile, fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const html = renderBody(htmlToMarkdown(parts.join('')));
        expect(html).not.toMatch(/<script|<img|<svg|\son\w+\s*=|href="(?!https?:|mailto:)/i);
        expect(html).not.toMatch(/href="javascript/i);
      }),
      { numRuns: Number(process.env.FAST_CHECK_RUNS ?? 200), seed: Number(process.env.FAST_CHECK_SEED ?? 20261204) },
    );
  });
});

const mongoBase = process.env.MONGODB_URI;
const describeMongo = mongoBase ? describe : describe.skip;
if (!mongoBase && mongoMissing('The WordPress import on MongoDB') === 'fail') {
  it('needs a MongoDB server (REQUIRE_MONGO=1)', () => {
    throw new Error('REQUIRE_MONGO=1 but MONGODB_URI is not set');
  });
}

describeMongo('import wordpress on MongoDB', () => {
  const uri = (mongoBase ?? '').replace(/\/[^/?]*(\?|$)/, `/parley_cli_wp_${randomBytes(4).toString('hex')}$1`);
  const uri2 = uri.replace(/parley_cli_wp_/, 'parley_cli_wp2_');
  afterAll(async () => {
    for (const u of [uri, uri2]) {
      const conn = await mongoose.createConnection(u).asPromise();
      await conn.dropDatabase();
      await conn.close();
    }
  });

  it('stores exactly what SQLite stores, and a second run adds nothing', async () => {
    const sqliteDir = tempDir();
    await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: sqliteDir });
    const env = { DATA_DIR: tempDir(), MONGODB_URI: uri };
    expect((await cli(['import', 'wordpress', FIXTURE], env)).stdout).toContain('imported: 6');
    expect((await cli(['import', 'wordpress', FIXTURE], env)).stdout).toContain('imported: 0');
    const out = path.join(tempDir(), 'm.jsonl');
    await expect(cli(['export', 'json', '--out', out], env)).resolves.toMatchObject({ code: 0 });
    expect(fs.readFileSync(out, 'utf8')).toBe(await exportText(sqliteDir));
  });

  it('finishes an interrupted import on MongoDB too', async () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const cut = path.join(tempDir(), 'cut.xml');
    fs.writeFileSync(cut, text.slice(0, text.indexOf('<wp:comment_id>21</wp:comment_id>')));
    const sqliteDir = tempDir();
    await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: sqliteDir });
    const env = { DATA_DIR: tempDir(), MONGODB_URI: uri2 };
    expect((await cli(['import', 'wordpress', cut], env)).code).toBe(1);
    expect((await cli(['import', 'wordpress', FIXTURE], env)).stdout).toContain('already_imported:');
    const out = path.join(tempDir(), 'm2.jsonl');
    await cli(['export', 'json', '--out', out], env);
    expect(fs.readFileSync(out, 'utf8')).toBe(await exportText(sqliteDir));
  });
});

describe('export wordpress', () => {
  it('writes the approved comments as WXR that imports back with the same authors, dates, nesting and text', async () => {
    const a = tempDir();
    await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: a });
    const wxr = path.join(tempDir(), 'out.xml');
    const r = await cli(['export', 'wordpress', '--out', wxr], { DATA_DIR: a });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('exported: 3 approved comments in 1 articles');
    const text = fs.readFileSync(wxr, 'utf8');
    expect(text).not.toContain('mallory@example.com'); // spam stays home
    expect(text).toContain('<wp:comment_approved>1</wp:comment_approved>');

    const b = tempDir();
    expect((await cli(['import', 'wordpress', wxr], { DATA_DIR: b })).stdout).toContain('imported: 3');
    const shape = (m: Map<string, Comment>) => {
      const byId = new Map([...m.values()].map((c) => [c.id, c]));
      return [...m.values()]
        .filter((c) => c.status === 'approved')
        .map((c) => ({ thread: c.threadKey, name: c.author.name, email: c.author.email, emailKey: c.author.emailKey, website: c.author.website, ip: c.context.ip, at: c.createdAt.toISOString(), depth: c.depth, parent: c.parentId ? byId.get(c.parentId)!.author.name : null, html: c.html }))
        .sort((x, y) => (x.at < y.at ? -1 : 1));
    };
    expect(shape(await allComments(b))).toEqual(shape(await allComments(a)));
  });
});
