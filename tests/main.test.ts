/** The process as an operator runs it: no configuration, a real port, signals. Runs src/main.ts through tsx. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function start(env: Record<string, string>, args: string[] = []) {
  // Only PATH and HOME come from outside: no MONGODB_URI or other settings leak in from the test runner.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

async function waitFor(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Built the way `npm run build` builds, into a scratch directory so a developer's dist/ is left alone, for the last
 * test. Started with the file: its 9 s of tsc run beside the tests before it, which mostly wait for their processes.
 */
let build: Promise<{ out: string; built: number | null; tscOut: string }>;
beforeAll(() => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-dist-'));
  const tsc = spawn(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(out, 'dist'), '--sourceMap', 'false'], { cwd: ROOT });
  let tscOut = '';
  tsc.stdout.on('data', (d: Buffer) => (tscOut += d.toString()));
  build = new Promise((resolve) => tsc.on('exit', (built) => resolve({ out, built, tscOut })));
});
afterAll(async () => {
  // Also when the last test did not run (a -t filter): the build is waited for and its directory removed.
  fs.rmSync((await build).out, { recursive: true, force: true });
});

describe('the parley process', () => {
  it('starts with no configuration, generates its secret, serves, and stops cleanly on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-main-'));
    const port = await freePort();
    const p = start({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
    await waitFor(() => p.stdout().includes('Parley listening'), 'the listening log line');
    expect(p.stdout()).toMatch(/generated a new one/);
    expect(fs.statSync(path.join(dataDir, 'secret')).mode & 0o777).toBe(0o600);

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const posted = await fetch(`${base}/api/v1/comments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.org/p', name: 'A', email: 'a@example.org', body: 'hi' }),
    });
    expect(posted.status).toBe(201);
    expect(fs.existsSync(path.join(dataDir, 'parley.db'))).toBe(true);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toMatch(/"msg":"stopped"/);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 1 on a bad configuration with one message naming every bad key', async () => {
    const badToken = 'too-short-admin-token';
    const p = start({ PORT: 'http', MAX_DEPTH: '99', MONGODB_URI: 'localhost:27017', MODERATION: 'sometimes', ADMIN_TOKEN: badToken });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/Invalid configuration \(5 bad keys\)/);
    for (const key of ['PORT', 'MAX_DEPTH', 'MONGODB_URI', 'MODERATION', 'ADMIN_TOKEN']) expect(p.stderr()).toMatch(new RegExp(`^  ${key}: `, 'm'));
    expect(p.stderr()).not.toContain(badToken);
    expect(p.stdout()).not.toContain('Parley listening');
  });

  it('exits 1 with one fatal line naming the port and the cause when the port is taken, never saying it listens', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-main-'));
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const p = start({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
      expect(await p.exited).toBe(1);
      expect(p.stdout()).not.toContain('Parley listening');
      const lines = p.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string });
      const fatal = lines.filter((l) => l.level >= 50);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.level).toBe(60);
      expect(fatal[0]!.msg).toContain(String(port));
      expect(fatal[0]!.msg).toMatch(/already in use/);
      expect(p.stderr()).toBe('');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('prints every config key with its default for --help', async () => {
    const p = start({}, ['--help']);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain('PORT');
    expect(p.stdout()).toContain('default: 8080');
    expect(p.stdout()).toContain('MONGODB_URI');
  });
});

/** A POST whose body arrives when the test says so: headers first (with Expect: 100-continue), the body later. */
function slowUpload(port: number, body: string) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(
    'POST /api/v1/comments HTTP/1.1\r\n' +
      `Host: 127.0.0.1:${port}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Expect: 100-continue\r\n\r\n',
  );
  return { socket, closed, received: () => received };
}

/** Resolves with the error code of a fresh connection attempt, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('graceful shutdown', () => {
  const comment = JSON.stringify({ url: 'https://example.org/slow', name: 'Slow Poster', email: 'slow@example.org', body: 'word '.repeat(1800).trim() });

  it('on SIGTERM stops accepting, lets a request in flight finish with 201, closes storage and exits 0', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-main-'));
    const port = await freePort();
    const p = start({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '10000' });
    await waitFor(() => p.stdout().includes('Parley listening'), 'the listening log line');

    const upload = slowUpload(port, comment);
    // The server is reading this request once it has asked for the body.
    await waitFor(() => upload.received().includes('100 Continue'), 'the 100 Continue');
    upload.socket.write(comment.slice(0, 4000));

    p.child.kill('SIGTERM');
    await waitFor(() => p.stdout().includes('shutting down'), 'the shutdown log line');
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    await new Promise((r) => setTimeout(r, 300));
    expect(p.child.exitCode).toBeNull();

    upload.socket.write(comment.slice(4000));
    await waitFor(() => /\r\n\r\n\{.*\}$/s.test(upload.received()), 'the response');
    expect(upload.received()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created\r\n/);
    expect(upload.received()).toContain('"editToken"');
    expect(await p.exited).toBe(0);
    // The finished keep-alive connection is closed by the server (not left to the client) and no force-close was needed.
    await upload.closed;
    expect(p.stdout()).toMatch(/"msg":"stopped"/);
    expect(p.stdout()).not.toContain('shutdown timeout');
    // The comment really was stored before the store was closed.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dataDir, 'parley.db'), { readonly: true });
    const row = db.prepare('SELECT author_name FROM comments').get() as { author_name: string } | undefined;
    db.close();
    expect(row?.author_name).toBe('Slow Poster');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('on SIGINT cuts a request still running after SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-main-'));
    const port = await freePort();
    const p = start({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '500' });
    await waitFor(() => p.stdout().includes('Parley listening'), 'the listening log line');

    const upload = slowUpload(port, comment);
    await waitFor(() => upload.received().includes('100 Continue'), 'the 100 Continue');
    upload.socket.write(comment.slice(0, 100));
    p.child.kill('SIGINT');

    // The rest of the body never comes: the server closes the connection at the deadline.
    await upload.closed;
    expect(upload.received()).not.toContain('201');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain('shutdown timeout: closing remaining connections');
    expect(p.stdout()).toMatch(/"msg":"stopped"/);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('the built service', () => {
  it('prints every config key with its default for `node dist/main.js --help`', async () => {
    const { out, built, tscOut } = await build;
    try {
      expect({ built, tscOut }).toEqual({ built: 0, tscOut: '' });
      fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify({ type: 'module' }));
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));

      const help = spawn(process.execPath, [path.join(out, 'dist', 'main.js'), '--help'], { cwd: out, env: { PATH: process.env.PATH ?? '' } });
      let text = '';
      help.stdout.on('data', (d: Buffer) => (text += d.toString()));
      expect(await new Promise<number | null>((resolve) => help.on('exit', resolve))).toBe(0);
      const { CONFIG_KEYS } = await import('../src/config.js');
      for (const k of CONFIG_KEYS) {
        expect(text).toMatch(new RegExp(`^  ${k.key} +default: ${(k.default === '' ? '(unset)' : k.default).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 90_000);
});
