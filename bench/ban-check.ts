/**
 * Cost of one ban check: banHashesFor (keyed hashes of the email, its domains and every IP prefix) plus the one
 * findActiveBan lookup, for an IPv4 and an IPv6 commenter, with 1,000 bans stored (none matching).
 *   npx tsx bench/ban-check.ts                          # SQLite in a temp dir
 *   MONGODB_URI=mongodb://127.0.0.1:27018/x npx tsx bench/ban-check.ts   # the MongoDB adapter
 * Env: BENCH_ITERATIONS (default 5000). Prints a table; not part of `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { banHashesFor, banKey } from '../src/domain/ban.js';
import type { Storage } from '../src/storage/storage.js';
import { openSqliteStorage } from '../src/storage/sqlite/sqlite-storage.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5000);
const SECRET = 'bench-secret-0123456789-abcdefghijklmnop';

async function open(): Promise<{ storage: Storage; name: string; cleanup: () => void }> {
  if (process.env.MONGODB_URI) {
    const { openMongoStorage } = await import('../src/storage/mongo/mongo-storage.js');
    const uri = `${process.env.MONGODB_URI.replace(/\/[^/]*$/, '')}/parley_bench_bans_${Date.now()}`;
    return { storage: await openMongoStorage({ uri }), name: 'mongo', cleanup: () => {} };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-bans-'));
  return { storage: openSqliteStorage({ dataDir: dir }), name: 'sqlite', cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function main() {
  const { storage, name, cleanup } = await open();
  const now = new Date();
  for (let i = 0; i < 1000; i += 1) {
    const input = i % 3 === 0 ? { email: `banned${i}@example.org` } : i % 3 === 1 ? { ip: `10.${i % 250}.${(i * 7) % 250}.0/24` } : { ip: `2001:db8:${i.toString(16)}::/48` };
    await storage.insertBan({ id: `b${i}`, ...banKey(input, SECRET), reason: null, createdAt: now, expiresAt: null, actor: 'bench' });
  }
  const rows: string[][] = [];
  for (const [label, ip] of [
    ['IPv4', '198.51.100.23'],
    ['IPv6', '2001:db8:abcd:12::7'],
  ] as const) {
    const hashCount = banHashesFor('reader@mail.example.org', ip, SECRET).length;
    for (let i = 0; i < 200; i += 1) await storage.findActiveBan({ hashes: banHashesFor(`w${i}@example.org`, ip, SECRET), now });
    let hashing = 0;
    let lookup = 0;
    for (let i = 0; i < ITERATIONS; i += 1) {
      const t0 = performance.now();
      const hashes = banHashesFor(`reader${i}@mail.example.org`, ip, SECRET);
      const t1 = performance.now();
      if (await storage.findActiveBan({ hashes, now })) throw new Error('unexpected ban');
      lookup += performance.now() - t1;
      hashing += t1 - t0;
    }
    const us = (ms: number) => ((ms / ITERATIONS) * 1000).toFixed(1);
    rows.push([label, String(hashCount), us(hashing), us(lookup), us(hashing + lookup)]);
  }
  await storage.close();
  cleanup();
  console.log(`ban check, ${name}, ${ITERATIONS} iterations, 1000 bans stored (µs per check, mean)`);
  console.log(['ip', 'hashes', 'banHashesFor', 'findActiveBan', 'total'].join('\t'));
  for (const r of rows) console.log(r.join('\t'));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
