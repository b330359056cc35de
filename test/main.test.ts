/** The process as an operator runs it: no configuration, a real port, signals. Runs src/main.ts through tsx. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';

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
    const p = start({ PORT: 'http', MAX_DEPTH: '99', MONGODB_URI: 'localhost:27017' });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/Invalid configuration \(3 bad keys\)/);
    for (const key of ['PORT', 'MAX_DEPTH', 'MONGODB_URI']) expect(p.stderr()).toContain(key);
  });

  it('prints every config key with its default for --help', async () => {
    const p = start({}, ['--help']);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain('PORT');
    expect(p.stdout()).toContain('default: 8080');
    expect(p.stdout()).toContain('MONGODB_URI');
  });
});
