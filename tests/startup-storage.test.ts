/** Start-up with a DATA_DIR that cannot be used: one line naming the path and the cause, exit 1, no stack trace. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, killAllServices, startListening, startService } from './support/spawn-service.js';

afterEach(() => killAllServices());

describe('DATA_DIR at start-up', () => {
  // A path under a regular file fails with ENOTDIR even for root, where chmod would not stop a write.
  it('stops with one line naming the path and the cause when DATA_DIR cannot be created', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-nodir-'));
    fs.writeFileSync(path.join(tmp, 'file'), 'not a directory');
    const dataDir = path.join(tmp, 'file', 'sub');
    for (const env of [{}, { SECRET: 'x'.repeat(40) }] as Record<string, string>[]) {
      const p = startService({ DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1', ...env });
      expect(await p.exited).toBe(1);
      const lines = p.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`DATA_DIR ${dataDir} is not usable`);
      expect(lines[0]).toMatch(/not a directory \(ENOTDIR\)/);
      expect(p.stderr()).not.toMatch(/\n\s+at /);
      expect(p.stdout()).not.toMatch(/Parley listening/);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('stops with one line naming the path when DATA_DIR is a file', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-isfile-'));
    const dataDir = path.join(tmp, 'data');
    fs.writeFileSync(dataDir, '');
    const p = startService({ DATA_DIR: dataDir, SECRET: 'x'.repeat(40), PORT: String(await freePort()), HOST: '127.0.0.1' });
    expect(await p.exited).toBe(1);
    expect(p.stderr().trim().split('\n')).toEqual([expect.stringContaining(`DATA_DIR ${dataDir} is not usable`)]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('stops with one line naming the database file when SQLite cannot open it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cantopen-'));
    fs.mkdirSync(path.join(dataDir, 'parley.db'));
    const p = startService({ DATA_DIR: dataDir, SECRET: 'x'.repeat(40), PORT: String(await freePort()), HOST: '127.0.0.1' });
    expect(await p.exited).toBe(1);
    const lines = p.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path.join(dataDir, 'parley.db'));
    expect(lines[0]).toMatch(/SQLITE_CANTOPEN/);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a missing DATA_DIR owner-only (0700)', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-mode-'));
    const dataDir = path.join(tmp, 'new', 'data');
    const p = await startListening({ DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1' });
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('.write-test'))).toEqual([]);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
