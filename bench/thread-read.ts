/**
 * HTTP benchmark of the readers' API on seeded data, against 127.0.0.1 only, bounded in time.
 *   npm run bench                     # SQLite in a temp dir
 *   MONGODB_URI=mongodb://… npm run bench   # the MongoDB adapter
 * Env: BENCH_SECONDS (default 5 per scenario), BENCH_CONNECTIONS (default 10).
 * Prints a table; not part of `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { Comment } from '../src/domain/comment.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const BIG = 'https://news.example.org/big-story';
const ROOTS = 2000;
const REPLIES_PER_ROOT = 4;
const OTHER_THREADS = 2000;

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  const mongodbUri = process.env.MONGODB_URI ? `${process.env.MONGODB_URI.replace(/\/[^/]*$/, '')}/parley_bench_${Date.now()}` : '';
  // Limits off the chart: this measures the service, not the rate limiter (which would answer 429 after 5 posts).
  const generous = '1000000';
  const config = loadConfig({
    DATA_DIR: dataDir,
    SECRET: 'bench-secret-bench-secret-bench-secret',
    LOG_LEVEL: 'silent',
    MONGODB_URI: mongodbUri,
    MODERATION: 'none',
    RATE_LIMIT_POSTS_PER_MINUTE: '100000',
    RATE_LIMIT_POSTS_PER_HOUR: generous,
    RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR: generous,
    RATE_LIMIT_READS_PER_MINUTE: generous,
  });
  const app = await createApp({ config, secret: config.secret!, logger: createLogger('silent') });

  const t0 = Date.now();
  let n = 0;
  const base = Date.parse('2026-01-01T00:00:00Z');
  const make = (threadKey: string, i: number, parent: Comment | null): Comment => {
    n += 1;
    const id = `bench${String(n).padStart(9, '0')}`;
    return {
      id,
      threadKey,
      parentId: parent?.id ?? null,
      rootId: parent?.rootId ?? id,
      depth: parent ? parent.depth + 1 : 0,
      status: 'approved',
      author: { name: `Reader ${i}`, email: `reader${i}@example.org`, emailKey: `k${i}`, website: null, avatar: 'a'.repeat(32) },
      body: `Comment ${i} with some *markdown* text that is about as long as a short comment usually is.`,
      html: `<p>Comment ${i} with some <em>markdown</em> text that is about as long as a short comment usually is.</p>\n`,
      createdAt: new Date(base + n * 1000),
      editedAt: null,
      editTokenHash: null,
      context: { ip: null, userAgent: null, referrer: null },
      spamCheck: 'none',
      spamReasons: [],
      recheck: null,
      history: [],
    };
  };
  await app.storage.ensureThread({ key: BIG, url: BIG, now: new Date(base) });
  for (let r = 0; r < ROOTS; r += 1) {
    const root = make(BIG, r, null);
    await app.storage.insertComment(root);
    let parent = root;
    for (let k = 0; k < REPLIES_PER_ROOT; k += 1) {
      const reply = make(BIG, r * 10 + k, k % 2 === 0 ? root : parent);
      await app.storage.insertComment(reply);
      parent = reply;
    }
  }
  const others = Array.from({ length: OTHER_THREADS }, (_, i) => `https://news.example.org/story-${i}`);
  for (const [i, key] of others.entries()) for (let k = 0; k < (i % 5); k += 1) await app.storage.insertComment(make(key, k, null));
  const seeded = n;
  const seedMs = Date.now() - t0;

  const server = app.http.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  // A cursor deep in the thread: the 30th page.
  let cursor = '';
  for (let p = 0; p < 30; p += 1) {
    const res = (await (await fetch(`${origin}/api/v1/threads?url=${encodeURIComponent(BIG)}${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { nextCursor: string };
    cursor = res.nextCursor;
  }
  let posted = 0;
  const countQuery = others.slice(0, 100).map((u) => `url=${encodeURIComponent(u)}`).join('&');

  const scenarios: { name: string; opts: autocannon.Options }[] = [
    { name: 'GET thread, first page (50 roots + 200 replies)', opts: { url: `${origin}/api/v1/threads?url=${encodeURIComponent(BIG)}` } },
    { name: 'GET thread, page 31 (keyset cursor)', opts: { url: `${origin}/api/v1/threads?url=${encodeURIComponent(BIG)}&cursor=${cursor}` } },
    { name: 'GET thread, empty article', opts: { url: `${origin}/api/v1/threads?url=${encodeURIComponent('https://news.example.org/none')}` } },
    { name: 'GET counts, 100 URLs', opts: { url: `${origin}/api/v1/counts?${countQuery}` } },
    {
      name: 'POST comment',
      opts: {
        url: `${origin}/api/v1/comments`,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            // A new body each time: the same body from the same email twice is a 409 duplicate.
            setupRequest: (req) => {
              posted += 1;
              return {
                ...req,
                body: JSON.stringify({
                  url: 'https://news.example.org/post-bench',
                  name: 'Bench',
                  email: `bench${posted % 50}@example.org`,
                  body: `A *benchmark* comment, number ${posted}.`,
                }),
              };
            },
          },
        ],
      },
    },
  ];

  const rows: string[][] = [];
  for (const s of scenarios) {
    const r = await autocannon({ ...s.opts, connections: CONNECTIONS, duration: SECONDS });
    rows.push([
      s.name,
      String(Math.round(r.requests.average)),
      r.latency.p50.toFixed(1),
      r.latency.p99.toFixed(1),
      String(r.non2xx),
      String(r.errors),
    ]);
  }
  const rssMb = (process.memoryUsage().rss / 1024 / 1024).toFixed(0);
  server.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\nParley bench — storage ${app.storage.kind}, ${seeded} comments seeded in ${seedMs} ms, ${CONNECTIONS} connections, ${SECONDS}s each, node ${process.version}, ${os.cpus().length} cores`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  console.log(`process RSS after run: ${rssMb} MB\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
