/**
 * `npm run bench:import`: the `parley` command line on a generated WordPress export (not part of `npm test`).
 *
 *   npm run bench:import                                         # SQLite, 10,000 and 100,000 comments
 *   MONGODB_URI=mongodb://127.0.0.1:27018/ npm run bench:import  # MongoDB (a fresh database per size, dropped after)
 *   BENCH_COMMENTS=100000 npm run bench:import                   # sizes, comma-separated
 *
 * For each size it writes a WXR into a temp dir under /tmp (articles of 1 to 200 comments, a third of them replies
 * nested up to the depth cap, spam, pending and trash among them, pingbacks), then runs `node dist/cli.js` (compiled
 * first) as its own process under /usr/bin/time: a --dry-run (parse and build only: the floor an import cannot beat),
 * the import into a fresh store, `export json` of it, and `import json` of that export into another fresh store (a
 * move between stores), and the same comments as one article. One table: seconds, comments per second and the process's peak RSS (max resident set, as
 * /proc's VmHWM). Flat memory means the peak does not grow with the file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = (process.env.BENCH_COMMENTS ?? '10000,100000').split(',').map(Number).filter((n) => n > 0);
const MONGO = process.env.MONGODB_URI ?? '';

async function generateWxr(file: string, n: number, oneArticle = false): Promise<void> {
  const out = fs.createWriteStream(file);
  const w = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n');
  await w('<wp:base_site_url>https://bench.example.org</wp:base_site_url>\n');
  let id = 0;
  let post = 0;
  while (id < n) {
    post += 1;
    const size = oneArticle ? n : Math.min(n - id, 1 + ((post * 7919) % 200));
    await w(`<item><title>Post ${post}</title><link>https://bench.example.org/${post}/</link><wp:post_id>${post}</wp:post_id>\n`);
    const first = id + 1;
    for (let i = 0; i < size; i += 1) {
      id += 1;
      // A third are replies to an earlier comment of the article (never to a pingback, which is not imported):
      // chains nest as deep as the depth cap allows.
      const candidate = i > 0 && id % 3 === 0 ? first + ((id * 31) % i) : 0;
      const parent = candidate % 97 === 0 ? 0 : candidate;
      const date = new Date(Date.UTC(2020, 0, 1) + id * 60_000).toISOString().replace('T', ' ').slice(0, 19);
      const approved = id % 10 === 0 ? 'spam' : id % 23 === 0 ? '0' : id % 29 === 0 ? 'trash' : '1';
      await w(
        `<wp:comment><wp:comment_id>${id}</wp:comment_id><wp:comment_author><![CDATA[Reader ${id % 5000} Ünïcode]]></wp:comment_author>` +
          `<wp:comment_author_email>reader${id % 5000}@example.com</wp:comment_author_email><wp:comment_author_url>https://r${id % 5000}.example/</wp:comment_author_url>` +
          `<wp:comment_author_IP>203.0.113.${id % 250}</wp:comment_author_IP><wp:comment_date>${date}</wp:comment_date><wp:comment_date_gmt>${date}</wp:comment_date_gmt>` +
          `<wp:comment_content><![CDATA[Comment ${id} with <strong>bold</strong>, <a href="https://example.com/${id}">a link</a>.\n\nA second paragraph <script>x()</script>with some more words to make it a realistic length for a comment.]]></wp:comment_content>` +
          `<wp:comment_approved>${approved}</wp:comment_approved><wp:comment_type>${id % 97 === 0 ? 'pingback' : 'comment'}</wp:comment_type>` +
          `<wp:comment_parent>${parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n`,
      );
    }
    await w('</item>\n');
  }
  await w('</channel>\n</rss>\n');
  out.end();
  await once(out, 'finish');
}

interface Run {
  seconds: number;
  peakMb: number;
  stdout: string;
}

/** One CLI process under /usr/bin/time: wall seconds and max RSS. */
function cli(args: string[], env: Record<string, string>): Run {
  const timing = path.join(os.tmpdir(), `parley-bench-time-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timing, process.execPath, path.join(ROOT, 'dist/cli.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SECRET: 'bench-secret-0123456789abcdefghijklmnop', LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const [seconds, kb] = fs.readFileSync(timing, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  fs.rmSync(timing, { force: true });
  if (r.status !== 0) throw new Error(`parley ${args.join(' ')} exited ${r.status}: ${r.stdout}\n${r.stderr}`);
  return { seconds: seconds!, peakMb: kb! / 1024, stdout: r.stdout };
}

const storeEnv = (dir: string, label: string): Record<string, string> =>
  MONGO ? { DATA_DIR: dir, MONGODB_URI: MONGO.replace(/\/[^/?]*(\?|$)/, `/parley_bench_${label}_${process.pid}$1`) } : { DATA_DIR: dir };

async function dropMongo(env: Record<string, string>): Promise<void> {
  if (!env.MONGODB_URI) return;
  const conn = await mongoose.createConnection(env.MONGODB_URI).asPromise();
  await conn.dropDatabase();
  await conn.close();
}

console.error('Compiling src/ to dist/ (tsc)…');
execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });

const rows: string[] = [];
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
for (const n of SIZES) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-import-'));
  try {
    const file = path.join(dir, 'export.xml');
    await generateWxr(file, n);
    const xmlSize = fs.statSync(file).size;
    const row = (step: string, run: Run, size: number) =>
      rows.push(`| ${n} | ${step} | ${mb(size)} | ${run.seconds.toFixed(1)} | ${Math.round(n / Math.max(run.seconds, 0.01))} | ${run.peakMb.toFixed(0)} |`);

    const dry = cli(['import', 'wordpress', '--dry-run', file], { DATA_DIR: path.join(dir, 'dry') });
    row('import wordpress --dry-run (parse only)', dry, xmlSize);
    const a = storeEnv(path.join(dir, 'a'), 'a');
    const b = storeEnv(path.join(dir, 'b'), 'b');
    try {
      const imp = cli(['import', 'wordpress', file], a);
      row(`import wordpress (${MONGO ? 'mongo' : 'sqlite'})`, imp, xmlSize);
      if (n === SIZES[SIZES.length - 1]) console.log(imp.stdout.split('\n').slice(0, 12).join('\n'));
      const jsonl = path.join(dir, 'export.jsonl');
      const exp = cli(['export', 'json', '--out', jsonl], a);
      row('export json', exp, fs.statSync(jsonl).size);
      const move = cli(['import', 'json', jsonl], b);
      row('import json (into a fresh store)', move, fs.statSync(jsonl).size);
    } finally {
      await dropMongo(a);
      await dropMongo(b);
    }
    // Memory does not follow the size of an article either: the same comments in one article.
    const single = path.join(dir, 'one-article.xml');
    await generateWxr(single, n, true);
    const c = storeEnv(path.join(dir, 'c'), 'c');
    try {
      row(`import wordpress, all in one article (${MONGO ? 'mongo' : 'sqlite'})`, cli(['import', 'wordpress', single], c), fs.statSync(single).size);
    } finally {
      await dropMongo(c);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`\nnode ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${MONGO ? 'MongoDB adapter' : 'SQLite adapter'}`);
console.log('| comments in file | step | file MB | seconds | comments/s | peak RSS MB |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
