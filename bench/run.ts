/**
 * `npm run bench`: Parley against the bare node:http limit, in one run and one table (not part of `npm test`).
 *
 *   npm run bench                               # SQLite in a temp dir
 *   MONGODB_URI=mongodb://127.0.0.1:27018/ npm run bench   # the MongoDB adapter (a fresh database)
 *
 * Every server under test is its own process (dist/main.js, as `npm start` runs it, built first when stale); the load comes from wrk in
 * another process, on 127.0.0.1 only, bounded in time. CPU per request is the server's utime+stime from /proc
 * over the run divided by the requests it answered.
 * Env: BENCH_SECONDS (10 per row), BENCH_CONNECTIONS (50), BENCH_SCALE (100,1000,10000: comments in the scale
 * threads; 0 skips the scale rows), BENCH_ARTICLES (999: the small articles of 5 comments; fewer seeds a slow store faster),
 * BENCH_TIMEOUT (30s: wrk's per-request timeout; a request slower than that counts as a timeout, not an answer),
 * BENCH_WARMUP (1: seconds of the same load before each row, not measured: the first second of a fresh process is
 * V8 compiling its hot paths, and with 50 connections waiting on it that second alone set the p99 of a 5 s row),
 * BENCH_NODE_OPTIONS (none: NODE_OPTIONS of every Parley process, e.g. --max-semi-space-size=4 to see its memory trade).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeAkismet, FAKE_AKISMET_KEY } from '../tests/support/fake-akismet.js';
import { startSmtpReceiver } from '../tests/support/smtp-receiver.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ARTICLES = Math.max(20, Number(process.env.BENCH_ARTICLES ?? 999));
// wrk's own default (2 s) drops every answer of a store slower than that, and the row then reads 0 req/s.
const TIMEOUT = process.env.BENCH_TIMEOUT ?? '30s';
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const SCALE = (process.env.BENCH_SCALE ?? '100,1000,10000').split(',').map(Number).filter((n) => n > 0);
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);
const SITE = 'https://news.example.org';
const BIG = `${SITE}/big-story`;

interface Server {
  name: string;
  proc: ChildProcess;
  origin: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, proc: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start`);
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
    });
}

async function startParley(name: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const big = '1000000';
  // dist/main.js, as `npm start` runs it (built by main() below); tsx would add its loader's ~50 MB to every RSS figure.
  const proc = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      SECRET: 'bench-secret-bench-secret-bench-secret',
      LOG_LEVEL: 'info', // the access log stays on, as in production (stdout is discarded)
      MODERATION: 'none',
      MIN_SUBMIT_SECONDS: '0',
      ALLOWED_ORIGINS: SITE,
      RATE_LIMIT_POSTS_PER_MINUTE: '100000',
      RATE_LIMIT_POSTS_PER_HOUR: big,
      RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR: big,
      RATE_LIMIT_READS_PER_MINUTE: big,
      RATE_LIMIT_EDITS_PER_HOUR: big,
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(`${origin}/healthz`, proc, name);
  return { name, proc, origin, stop: stopper(proc) };
}

async function startLimit(mode: 'bare' | 'express', bodyFile: string): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(ROOT, 'bench/limit-server.mjs'), mode, bodyFile, String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(`${origin}/`, proc, mode);
  return { name: mode, proc, origin, stop: stopper(proc) };
}

function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "(comm) ": state is field 3, utime 14 and stime 15 (1-based) → indexes 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  rss: number;
  bad: number;
}

function ms(v: string, unit: string): number {
  return unit === 'us' ? Number(v) / 1000 : unit === 's' ? Number(v) * 1000 : unit === 'm' ? Number(v) * 60000 : Number(v);
}

function wrk(seconds: number, server: Server, urlPath: string, extra: string[], scriptArgs: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const run = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, `--timeout`, TIMEOUT, '--latency', ...extra, `${server.origin}${urlPath}`, ...(scriptArgs.length ? ['--', ...scriptArgs] : [])]);
    let text = '';
    run.stdout.on('data', (d: Buffer) => (text += d.toString()));
    run.stderr.on('data', (d: Buffer) => (text += d.toString()));
    run.on('error', reject);
    run.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk failed (${code}): ${text}`))));
  });
}

async function load(name: string, server: Server, urlPath: string, extra: string[] = [], scriptArgs: string[] = []): Promise<Row> {
  const pid = server.proc.pid!;
  if (WARMUP > 0) await wrk(WARMUP, server, urlPath, extra, scriptArgs);
  const before = cpuMs(pid);
  const out = await wrk(SECONDS, server, urlPath, extra, scriptArgs);
  const cpu = cpuMs(pid) - before;
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const lat = (pct: string) => {
    const m = new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s|m)`).exec(out);
    return m ? ms(m[1]!, m[2]!) : NaN;
  };
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*timeout (\d+)/.exec(out)?.[1] ?? 0);
  return { name, rps, p50: lat('50'), p99: lat('99'), cpu: total ? cpu / total : NaN, rss: rssMb(pid), bad };
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Seeds through the public API (the real write path), `concurrency` posts at a time. */
async function seed(origin: string, jobs: { url: string; parent?: () => string | undefined; i: number }[], onId?: (job: number, id: string) => void) {
  const tokens = new Map<string, string>();
  const token = async (url: string) => {
    let t = tokens.get(url);
    if (!t) {
      t = (await json<{ token: string }>(await fetch(`${origin}/api/v1/form-token?url=${encodeURIComponent(url)}`))).token;
      tokens.set(url, t);
    }
    return t;
  };
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const k = next++;
      const job = jobs[k]!;
      const body = {
        url: job.url,
        name: `Reader ${job.i}`,
        email: `reader${job.i}@example.org`,
        body: `Comment ${job.i} with some *markdown* text that is about as long as a short comment usually is.`,
        formToken: await token(job.url),
        ...(job.parent?.() ? { parentId: job.parent() } : {}),
      };
      const send = () =>
        fetch(`${origin}/api/v1/comments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: SITE },
          body: JSON.stringify(body),
        });
      let res = await send();
      // A store that is briefly unavailable (FerretDB under load answers 503) gets a few more tries.
      for (let attempt = 1; res.status === 503 && attempt <= 5; attempt += 1) {
        await new Promise((r) => setTimeout(r, 200 * attempt));
        res = await send();
      }
      const out = await json<{ comment: { id: string } }>(res);
      onId?.(k, out.comment.id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

function table(rows: Row[], limit: Row): string {
  const header = ['row', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'RSS MB', 'vs limit', 'non-2xx'];
  const cells = rows.map((r) => [
    r.name,
    r.rps.toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    r.cpu.toFixed(3),
    r.rss.toFixed(0),
    `${((r.rps / limit.rps) * 100).toFixed(1)}%`,
    String(r.bad),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main() {
  // What `npm start` runs first: compile src/ to dist/ when it is older than the sources.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-if-needed.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  const mongo = process.env.MONGODB_URI ? `${process.env.MONGODB_URI.replace(/\/[^/]*$/, '')}/parley_bench_${Date.now()}` : '';
  const store: Record<string, string> = mongo ? { MONGODB_URI: mongo } : { DATA_DIR: path.join(work, 'data') };
  const akismet = await startFakeAkismet({ port: 0 });
  const servers: Server[] = [];
  try {
    // One process seeds the workload; the cached and cold rows are fresh processes on the same store.
    const seeder = await startParley('seeder', { ...store, CACHE_MAX_MB: '0' });
    servers.push(seeder);
    const t0 = Date.now();
    const roots: string[] = [];
    await seed(seeder.origin, Array.from({ length: 100 }, (_, i) => ({ url: BIG, i })), (k, id) => (roots[k] = id));
    await seed(seeder.origin, Array.from({ length: 100 }, (_, i) => ({ url: BIG, i: 1000 + i, parent: () => roots[i % roots.length] })));
    const others = Array.from({ length: ARTICLES }, (_, i) => `${SITE}/story-${i}`);
    await seed(seeder.origin, others.flatMap((url, t) => Array.from({ length: 5 }, (_, i) => ({ url, i: t * 10 + i }))));
    for (const n of SCALE) {
      const url = `${SITE}/scale-${n}`;
      const ids: string[] = [];
      const top = Math.ceil(n / 2);
      await seed(seeder.origin, Array.from({ length: top }, (_, i) => ({ url, i })), (k, id) => (ids[k] = id));
      await seed(seeder.origin, Array.from({ length: n - top }, (_, i) => ({ url, i: 100000 + i, parent: () => ids[i % top] })));
    }
    const seedMs = Date.now() - t0;
    await seeder.stop();
    servers.length = 0;

    const threadPath = `/api/v1/threads?url=${encodeURIComponent(BIG)}`;
    const countsPath = `/api/v1/counts?${others.slice(0, 20).map((u) => `url=${encodeURIComponent(u)}`).join('&')}`;
    const htmlPath = `/threads/html?url=${encodeURIComponent(BIG)}`;

    const cached = await startParley('cached', { ...store });
    servers.push(cached);
    const bodyFile = path.join(work, 'thread.json');
    const page = Buffer.from(await (await fetch(`${cached.origin}${threadPath}`)).arrayBuffer());
    fs.writeFileSync(bodyFile, page);
    const rows: Row[] = [];

    const bare = await startLimit('bare', bodyFile);
    servers.push(bare);
    const limit = await load('bare node:http, same bytes (the limit)', bare, '/');
    rows.push(limit);
    await bare.stop();
    const express = await startLimit('express', bodyFile);
    servers.push(express);
    rows.push(await load('Express 5 res.send, same bytes', express, '/'));
    await express.stop();

    const etag = (await fetch(`${cached.origin}${threadPath}`)).headers.get('etag');
    rows.push(await load('thread page, cached', cached, threadPath));
    if (etag) rows.push(await load('thread page, cached, If-None-Match (304)', cached, threadPath, ['-H', `If-None-Match: ${etag}`]));
    rows.push(await load('counts, 20 URLs, cached', cached, countsPath));
    rows.push(await load('no-JS /threads/html, cached', cached, htmlPath));
    await cached.stop();

    const cold = await startParley('cold', { ...store, CACHE_MAX_MB: '0' });
    servers.push(cold);
    rows.push(await load('thread page, cold (CACHE_MAX_MB=0)', cold, threadPath));
    rows.push(await load('counts, 20 URLs, cold', cold, countsPath));
    for (const n of SCALE) rows.push(await load(`scale: first page, cold, ${n} comments in thread`, cold, `/api/v1/threads?url=${encodeURIComponent(`${SITE}/scale-${n}`)}`));
    await cold.stop();

    const poster = await startParley('poster', { ...store, AKISMET_KEY: FAKE_AKISMET_KEY, AKISMET_ENDPOINT: akismet.url });
    servers.push(poster);
    const postUrl = `${SITE}/post-bench`;
    const formToken = (await json<{ token: string }>(await fetch(`${poster.origin}/api/v1/form-token?url=${encodeURIComponent(postUrl)}`))).token;
    rows.push(await load('POST comment, full pipeline + fake Akismet', poster, '/api/v1/comments', ['-s', path.join(ROOT, 'bench/post.lua')], [postUrl, formToken]));
    await poster.stop();

    // The same posts with webhooks and moderator mail on: the request only queues; the job sends in the background.
    const hooks = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    const hooksUrl = `http://127.0.0.1:${(hooks.address() as net.AddressInfo).port}/hooks`;
    const notifying = await startParley('notifying', {
      ...store,
      AKISMET_KEY: FAKE_AKISMET_KEY,
      AKISMET_ENDPOINT: akismet.url,
      WEBHOOK_URLS: `${hooksUrl}?a,${hooksUrl}?b`,
      WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    });
    servers.push(notifying);
    const notifyToken = (await json<{ token: string }>(await fetch(`${notifying.origin}/api/v1/form-token?url=${encodeURIComponent(postUrl)}`))).token;
    rows.push(await load('POST comment, + 2 webhooks per post (outbox)', notifying, '/api/v1/comments', ['-s', path.join(ROOT, 'bench/post.lua')], [postUrl, notifyToken]));
    await notifying.stop();
    hooks.close();

    // Reader reply notifications off, then on: the same replies to one comment, each asking for replies (subscription
    // and, once a day per address, a confirmation mail) and each mailing the comment's confirmed follower.
    // A store of their own: the rows above left undeliverable webhook messages due before any mail of these.
    const replyStore: Record<string, string> = mongo ? { MONGODB_URI: `${mongo}_replies` } : { DATA_DIR: path.join(work, 'replies') };
    const replyUrl = `${SITE}/reply-bench`;
    const replyRow = async (name: string, server: Server) => {
      const token = (await json<{ token: string }>(await fetch(`${server.origin}/api/v1/form-token?url=${encodeURIComponent(replyUrl)}`))).token;
      const parent = await json<{ comment: { id: string } }>(
        await fetch(`${server.origin}/api/v1/comments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: SITE },
          body: JSON.stringify({ url: replyUrl, name: 'Followed', email: "followed@example.org", body: `Follow me ${Date.now()}`, formToken: token, notifyReplies: true }),
        }),
      );
      return { token, parent: parent.comment.id };
    };
    const off = await startParley('replies-off', { ...replyStore, AKISMET_KEY: FAKE_AKISMET_KEY, AKISMET_ENDPOINT: akismet.url });
    servers.push(off);
    const offSeed = await replyRow('off', off);
    rows.push(await load('POST reply + notifyReplies, reader mails off', off, '/api/v1/comments', ['-s', path.join(ROOT, 'bench/post.lua')], [replyUrl, offSeed.token, offSeed.parent]));
    await off.stop();
    const smtp = await startSmtpReceiver();
    const on = await startParley('replies-on', {
      ...replyStore,
      AKISMET_KEY: FAKE_AKISMET_KEY,
      AKISMET_ENDPOINT: akismet.url,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Parley <bench@example.org>',
      PUBLIC_URL: 'https://comments.example.org',
    });
    servers.push(on);
    const onSeed = await replyRow('on-', on);
    // The follower confirms (the outbox job mails the confirmation within its 5 s interval).
    let confirm: string | undefined;
    for (let i = 0; i < 200 && !confirm; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      confirm = /https:\/\/comments\.example\.org(\/notify\/confirm\/[A-Za-z0-9_.-]+)/.exec(smtp.received.map((m) => m.raw.replace(/=\r?\n/g, '')).join('\n'))?.[1];
    }
    if (!confirm) throw new Error(`no confirmation mail reached the bench SMTP sink (${smtp.received.length} mails): ${smtp.received[0]?.raw.slice(0, 3000) ?? ''}`);
    await json<unknown>(await fetch(`${on.origin}${confirm}`, { method: 'POST', headers: { accept: 'application/json' } }));
    rows.push(await load('POST reply + notifyReplies, reader mails on (outbox)', on, '/api/v1/comments', ['-s', path.join(ROOT, 'bench/post.lua')], [replyUrl, onSeed.token, onSeed.parent]));
    await on.stop();
    await smtp.close();

    console.log(
      `\nParley bench: storage ${mongo ? 'MongoDB' : 'SQLite'}, workload seeded through the API in ${(seedMs / 1000).toFixed(1)} s ` +
        `(${BIG}: 100 roots + 100 replies, page ${(page.length / 1024).toFixed(1)} KB; ${ARTICLES} articles x 5; scale threads ${SCALE.join(', ')})` +
        `\nwrk -t1 -c${CONNECTIONS} -d${SECONDS}s on 127.0.0.1 after ${WARMUP} s of the same load, node ${process.version}${process.env.BENCH_NODE_OPTIONS ? ` NODE_OPTIONS=${process.env.BENCH_NODE_OPTIONS}` : ''}, ${os.cpus().length} cores; CPU and RSS of the server process from /proc\n`,
    );
    console.log(table(rows, limit));
    console.log('');
  } finally {
    for (const s of servers) await s.stop();
    await akismet.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Exits once the table is out: on MongoDB runs some handle (not a socket or a child: none were left) kept the process
// alive after main() had stopped every server it started.
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
