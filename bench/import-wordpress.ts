/**
 * Import benchmark (not part of `npm test`): generates a WordPress export with N comments (default 100,000, in
 * articles of 1 to 200 comments, a third of them replies), imports it with the `parley` command line into a fresh
 * SQLite store (or MongoDB with MONGODB_URI), then exports it as JSON, and prints one table: file size, time, rate and
 * the process's peak RSS, which stays flat with the file size (streaming, one article in memory at a time).
 *
 *   npx tsx bench/import-wordpress.ts            # BENCH_COMMENTS=100000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';

const N = Number(process.env.BENCH_COMMENTS ?? 100_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-import-'));
const file = path.join(dir, 'export.xml');

async function generate(): Promise<void> {
  const out = fs.createWriteStream(file);
  const w = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n');
  await w('<wp:base_site_url>https://bench.example.org</wp:base_site_url>\n');
  let id = 0;
  let post = 0;
  while (id < N) {
    post += 1;
    const size = Math.min(N - id, 1 + ((post * 7919) % 200));
    await w(`<item><title>Post ${post}</title><link>https://bench.example.org/${post}/</link><wp:post_id>${post}</wp:post_id>\n`);
    const first = id + 1;
    for (let i = 0; i < size; i += 1) {
      id += 1;
      const parent = i > 0 && id % 3 === 0 ? first + ((id * 31) % i) : 0;
      const date = new Date(Date.UTC(2020, 0, 1) + id * 60_000).toISOString().replace('T', ' ').slice(0, 19);
      await w(
        `<wp:comment><wp:comment_id>${id}</wp:comment_id><wp:comment_author><![CDATA[Reader ${id % 5000} Ünïcode]]></wp:comment_author>` +
          `<wp:comment_author_email>reader${id % 5000}@example.com</wp:comment_author_email><wp:comment_author_url>https://r${id % 5000}.example/</wp:comment_author_url>` +
          `<wp:comment_author_IP>203.0.113.${id % 250}</wp:comment_author_IP><wp:comment_date>${date}</wp:comment_date><wp:comment_date_gmt>${date}</wp:comment_date_gmt>` +
          `<wp:comment_content><![CDATA[Comment ${id} with <strong>bold</strong>, <a href="https://example.com/${id}">a link</a>.\n\nA second paragraph <script>x()</script>with some more words to make it a realistic length for a comment.]]></wp:comment_content>` +
          `<wp:comment_approved>${id % 10 === 0 ? 'spam' : '1'}</wp:comment_approved><wp:comment_type>${id % 97 === 0 ? 'pingback' : 'comment'}</wp:comment_type>` +
          `<wp:comment_parent>${parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n`,
      );
    }
    await w('</item>\n');
  }
  await w('</channel>\n</rss>\n');
  out.end();
  await once(out, 'finish');
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);

async function run(args: string[]): Promise<{ code: number; seconds: number; out: string }> {
  const stdout = new Sink();
  const env = { DATA_DIR: path.join(dir, 'data'), SECRET: 'bench-secret-0123456789abcdefghijklmnop', LOG_LEVEL: 'silent', MONGODB_URI: process.env.MONGODB_URI };
  const start = process.hrtime.bigint();
  const code = await runCli(args, { env, stdout, stderr: new Sink() });
  return { code, seconds: Number(process.hrtime.bigint() - start) / 1e9, out: stdout.text };
}

await generate();
const bytes = fs.statSync(file).size;
const baseline = process.memoryUsage().rss;
peak = baseline;
const imp = await run(['import', 'wordpress', file]);
const importPeak = peak;
const exp = await run(['export', 'json', '--out', path.join(dir, 'export.jsonl')]);
clearInterval(sampler);
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(imp.out.split('\n').slice(0, 6).join('\n'));
console.log(`| step | comments | file MB | seconds | comments/s | peak RSS MB (start ${mb(baseline)}) |`);
console.log('|---|---|---|---|---|---|');
console.log(`| import wordpress (${process.env.MONGODB_URI ? 'mongo' : 'sqlite'}) | ${N} | ${mb(bytes)} | ${imp.seconds.toFixed(1)} | ${Math.round(N / imp.seconds)} | ${mb(importPeak)} |`);
console.log(`| export json | ${N} | ${mb(fs.statSync(path.join(dir, 'export.jsonl')).size)} | ${exp.seconds.toFixed(1)} | ${Math.round(N / exp.seconds)} | ${mb(peak)} |`);
fs.rmSync(dir, { recursive: true, force: true });
