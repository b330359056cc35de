/**
 * Issue 12, "Running it": `.env` in the working directory is read (the process environment wins), and the start-up
 * output ends with one line for a person. Runs src/main.ts through tsx in a scratch working directory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, ROOT, waitFor } from './support/spawn-service.js';

const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const TOKEN = `${'m'.repeat(24)}-from-the-dot-env-file`;
const children: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-run-'));
  dirs.push(dir);
  return dir;
}

function start(cwd: string, env: Record<string, string>) {
  // Only PATH and HOME come from outside, so nothing set for the test runner leaks in.
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'src', 'main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out };
}

const lines = (out: string) => out.split('\n').filter((l) => l.trim() !== '');

describe('starting Parley', () => {
  it('reads .env from the working directory, lets the process environment win, and says which file it read', async () => {
    const cwd = scratch();
    const [port, filePort] = [await freePort(), await freePort()];
    fs.writeFileSync(
      path.join(cwd, '.env'),
      `# as copied from .env.example\nPORT=${filePort}\nHOST=127.0.0.1\nDATA_DIR=./from-dot-env\nADMIN_TOKEN="${TOKEN}"\n`,
    );
    const p = start(cwd, { PORT: String(port) });
    await waitFor(() => p.out().includes('Parley is ready'), 'the ready line');
    const base = `http://127.0.0.1:${port}`;
    // PORT from the process environment, HOST, DATA_DIR and ADMIN_TOKEN from the file.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${filePort}/healthz`)).rejects.toThrow();
    expect(fs.existsSync(path.join(cwd, 'from-dot-env', 'parley.db'))).toBe(true);
    const admin = await fetch(`${base}/api/v1/admin/comments`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(admin.status).toBe(200);
    const read = lines(p.out()).find((l) => l.includes('"envFile"'));
    expect(JSON.parse(read!).envFile).toBe(path.join(fs.realpathSync(cwd), '.env'));
    // The token itself is never logged.
    expect(p.out()).not.toContain(TOKEN);
  });

  it('starts from a copy of .env.example as it is', async () => {
    const cwd = scratch();
    fs.copyFileSync(path.join(ROOT, '.env.example'), path.join(cwd, '.env'));
    const port = await freePort();
    const p = start(cwd, { PORT: String(port), HOST: '127.0.0.1' });
    await waitFor(() => p.out().includes('Parley is ready'), 'the ready line');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(fs.existsSync(path.join(cwd, 'data', 'parley.db'))).toBe(true);
  });

  it('ends its start-up output with one line for a person: address, store, /demo, /admin', async () => {
    const cwd = scratch();
    const port = await freePort();
    const p = start(cwd, { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: path.join(cwd, 'data'), ADMIN_TOKEN: TOKEN });
    await waitFor(() => p.out().includes('Parley is ready'), 'the ready line');
    const all = lines(p.out());
    const ready = all.findIndex((l) => l.startsWith('Parley is ready'));
    const base = `http://127.0.0.1:${port}`;
    expect(all[ready]).toBe(
      `Parley is ready at ${base} · store: SQLite at ${path.join(cwd, 'data', 'parley.db')} · demo at ${base}/demo · moderation at ${base}/admin`,
    );
    // After every start-up log line; no .env here, so none was read.
    const listening = all.findIndex((l) => l.includes('Parley listening'));
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(ready).toBeGreaterThan(listening);
    expect(p.out()).not.toContain('"envFile"');
    expect((await fetch(`${base}/demo`)).status).toBe(200);
  });

  it('says how to turn the moderation page on when ADMIN_TOKEN is unset', async () => {
    const cwd = scratch();
    const port = await freePort();
    const p = start(cwd, { PORT: String(port), HOST: '0.0.0.0', DATA_DIR: path.join(cwd, 'data'), PUBLIC_URL: 'https://comments.example.org/' });
    await waitFor(() => p.out().includes('Parley is ready'), 'the ready line');
    const ready = lines(p.out()).find((l) => l.startsWith('Parley is ready'));
    expect(ready).toBe(
      `Parley is ready at https://comments.example.org · store: SQLite at ${path.join(cwd, 'data', 'parley.db')} · demo at https://comments.example.org/demo · moderation page off (add an admin with \`node dist/cli.js moderators add\`, or set ADMIN_TOKEN, to enable /admin)`,
    );
  });
});
