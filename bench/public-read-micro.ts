/**
 * Micro benchmark of the public read path below HTTP: the full-row thread read (listThread, what the service used
 * before) against the public-column read (listThreadPublic), the plain approved count against the visible count, and
 * the whole cold read as the service serialises it (storage + tree + DTO + JSON.stringify), old and new.
 *   npx tsx bench/public-read-micro.ts                       # SQLite in a temp dir
 *   MONGODB_URI=mongodb://127.0.0.1:27018/x npx tsx bench/public-read-micro.ts   # MongoDB / FerretDB
 * Env: MICRO_MS (time per measurement, default 1500), MICRO_SCALE (thread sizes, default 100,1000,10000; 100,1000 on MongoDB).
 * Workload: one thread with 100 roots + 100 replies, plus 999 threads with 5 comments each. Not part of `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildTree, type ThreadNode } from '../src/comments/comment-service.js';
import { PUBLIC_STATUSES, THREAD_READ_STATUSES, type Comment } from '../src/domain/comment.js';
import { toPublicComment, toThreadResponse, type PublicComment } from '../src/http/readers/dto.js';
import { openMongoStorage } from '../src/storage/mongo/mongo-storage.js';
import { openSqliteStorage } from '../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../src/storage/storage.js';

const MS = Number(process.env.MICRO_MS ?? 1500);
const MONGO = process.env.MONGODB_URI;
const SCALE = (process.env.MICRO_SCALE ?? (MONGO ? '100,1000' : '100,1000,10000')).split(',').map(Number);
const PAGE = 100;
const BASE = Date.parse('2026-01-01T00:00:00Z');

let n = 0;
function make(threadKey: string, i: number, parent: Comment | null): Comment {
  n += 1;
  const id = `m${String(n).padStart(9, '0')}`;
  return {
    id,
    threadKey,
    parentId: parent?.id ?? null,
    rootId: parent?.rootId ?? id,
    depth: parent ? parent.depth + 1 : 0,
    status: 'approved',
    author: { name: `Reader ${i}`, email: `reader${i}@example.org`, emailKey: `k${i}`.padEnd(64, '0'), website: i % 3 ? null : 'https://r.example/', avatar: 'a'.repeat(32) },
    body: `Comment ${i} with some *markdown* text that is about as long as a short comment usually is.`,
    html: `<p>Comment ${i} with some <em>markdown</em> text that is about as long as a short comment usually is.</p>\n`,
    createdAt: new Date(BASE + n * 1000),
    editedAt: null,
    editTokenHash: 'e'.repeat(64),
    context: { ip: '203.0.113.9', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36', referrer: 'https://news.example.org/' },
    spamCheck: 'checked',
    spamReasons: [],
    recheck: null,
    history: [],
  };
}

/** Seeds `roots` top-level comments with one reply each. */
async function seedThread(storage: Storage, key: string, roots: number): Promise<void> {
  await storage.ensureThread({ key, url: key, now: new Date(BASE) });
  for (let r = 0; r < roots; r += 1) {
    const root = make(key, r, null);
    await storage.insertComment(root);
    await storage.insertComment(make(key, r + 100_000, root));
  }
}

/** Runs `op` for about MS milliseconds after a warm-up; returns µs of wall time and of process CPU per call. */
async function measure(op: () => Promise<unknown>): Promise<{ wall: number; cpu: number; calls: number }> {
  const warm = Date.now();
  while (Date.now() - warm < Math.min(300, MS / 4)) await op();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let calls = 0;
  do {
    for (let i = 0; i < 10; i += 1) await op();
    calls += 10;
  } while (Number(process.hrtime.bigint() - t0) / 1e6 < MS);
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / calls;
  const used = process.cpuUsage(cpu0);
  return { wall, cpu: (used.user + used.system) / calls, calls };
}

function previousPublicNode(node: ThreadNode<Comment>): PublicComment {
  return { ...toPublicComment(node.comment), replies: node.replies.map(previousPublicNode) };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-micro-'));
  const storage: Storage = MONGO
    ? await openMongoStorage({ uri: MONGO.replace(/\/[^/?]*(\?|$)/, `/parley_micro_${Date.now()}$1`) })
    : openSqliteStorage({ dataDir });
  const t0 = Date.now();
  const big = 'https://news.example.org/big-story';
  await seedThread(storage, big, 100);
  const others = Array.from({ length: 999 }, (_, i) => `https://news.example.org/story-${i}`);
  for (const key of others) for (let k = 0; k < 5; k += 1) await storage.insertComment(make(key, k, null));
  console.log(`${storage.kind}: seeded ${n} comments in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${MS} ms per measurement\n`);

  const page = { threadKey: big, sort: 'oldest' as const, cursor: null, limit: PAGE };
  const twenty = [big, ...others.slice(0, 19)];
  const oldRead = async () => {
    const [p, c] = await Promise.all([storage.listThread({ ...page, statuses: THREAD_READ_STATUSES }), storage.countByThreads({ threadKeys: [big], statuses: PUBLIC_STATUSES })]);
    return JSON.stringify({ thread: { key: big, url: big, commentCount: c.get(big) ?? 0, locked: false }, comments: buildTree(p.roots, p.replies).map(previousPublicNode), nextCursor: null });
  };
  const newRead = async () => {
    const [p, c] = await Promise.all([storage.listThreadPublic(page), storage.countVisible([big])]);
    return JSON.stringify(toThreadResponse({ thread: { key: big, url: big, commentCount: c.get(big) ?? 0, locked: false }, nodes: buildTree(p.roots, p.replies), nextCursor: null }));
  };
  const [oldBytes, newBytes] = [await oldRead(), await newRead()];
  if (oldBytes !== newBytes) throw new Error('old and new thread JSON differ');

  const readPage = await storage.listThreadPublic(page);
  const shape = async () =>
    JSON.stringify(toThreadResponse({ thread: { key: big, url: big, commentCount: 200, locked: false }, nodes: buildTree(readPage.roots, readPage.replies), nextCursor: null }));
  const rows: [string, () => Promise<unknown>][] = [
    ['below storage: tree + DTO + JSON of a page already read', shape],
    ['storage: listThread, first page (100 roots + 100 replies), full rows', () => storage.listThread({ ...page, statuses: THREAD_READ_STATUSES })],
    ['storage: listThreadPublic, same page, public columns', () => storage.listThreadPublic(page)],
    ['storage: countByThreads(approved), 1 thread', () => storage.countByThreads({ threadKeys: [big], statuses: PUBLIC_STATUSES })],
    ['storage: countVisible, 1 thread', () => storage.countVisible([big])],
    ['storage: countByThreads(approved), 20 threads', () => storage.countByThreads({ threadKeys: twenty, statuses: PUBLIC_STATUSES })],
    ['storage: countVisible, 20 threads', () => storage.countVisible(twenty)],
    [`cold read before: listThread + count + tree + DTO + JSON (${oldBytes.length} B)`, oldRead],
    [`cold read after: listThreadPublic + countVisible + tree + DTO + JSON (${newBytes.length} B)`, newRead],
  ];
  const table: string[][] = [['measurement', 'µs/call (wall)', 'µs CPU/call', 'calls']];
  for (const [name, op] of rows) {
    const r = await measure(op);
    table.push([name, r.wall.toFixed(0), r.cpu.toFixed(0), String(r.calls)]);
  }

  // Scale: the first page's cost as the thread grows (half roots, half replies).
  for (const size of SCALE) {
    const key = `https://news.example.org/scale-${size}`;
    await seedThread(storage, key, size / 2);
    const p = { threadKey: key, sort: 'oldest' as const, cursor: null, limit: PAGE };
    const before = await measure(() => storage.listThread({ ...p, statuses: THREAD_READ_STATUSES }));
    const after = await measure(() => storage.listThreadPublic(p));
    const count = await measure(() => storage.countVisible([key]));
    table.push([`scale ${size} comments: listThread / listThreadPublic / countVisible`, `${before.wall.toFixed(0)} / ${after.wall.toFixed(0)} / ${count.wall.toFixed(0)}`, `${before.cpu.toFixed(0)} / ${after.cpu.toFixed(0)} / ${count.cpu.toFixed(0)}`, '']);
  }

  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const [i, r] of table.entries()) {
    console.log(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log(`\nNode ${process.version}, ${os.cpus().length} CPUs (shared), ${new Date().toISOString()}`);
  await storage.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

await main();
