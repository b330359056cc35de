/** `parley moderators …`: accounts from the shell, on SQLite (in-process CLI with its own env). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { verifyPassword } from '../../src/moderators/password.js';
import { cli } from '../support/run-cli.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-mods-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const PASSWORD = 'correct horse battery staple';

async function stored(dataDir: string) {
  const s = openSqliteStorage({ dataDir });
  try {
    return await s.listModerators();
  } finally {
    await s.close();
  }
}

describe('moderators CLI', () => {
  jest.setTimeout(60_000);

  it('adds an account with a password from stdin, hashed with scrypt, and lists it', async () => {
    const DATA_DIR = tempDir();
    const add = await cli(['moderators', 'add', ' Maria@Example.org ', '--name', 'Maria Editor', '--role', 'admin', '--password-stdin'], { DATA_DIR }, `${PASSWORD}\n`);
    expect(add).toMatchObject({ code: 0 });
    expect(add.stdout).toMatch(/^added: Maria Editor <maria@example\.org>, admin \(id \w+\)/);
    const [m] = await stored(DATA_DIR);
    expect(m).toMatchObject({ email: 'maria@example.org', name: 'Maria Editor', role: 'admin', disabled: false });
    expect(m!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(m!.passwordHash).not.toContain(PASSWORD);
    await expect(verifyPassword(PASSWORD, m!.passwordHash)).resolves.toBe(true);
    const list = await cli(['moderators', 'list'], { DATA_DIR });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('Maria Editor <maria@example.org>, admin');
    const json = await cli(['moderators', 'list', '--json'], { DATA_DIR });
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ email: 'maria@example.org', role: 'admin', disabled: false });
    expect(json.stdout).not.toContain('scrypt');
  });

  it('refuses a short password, a bad email, an unknown role and a second account with the same email', async () => {
    const DATA_DIR = tempDir();
    const short = await cli(['moderators', 'add', 'a@example.org', '--name', 'A', '--role', 'moderator', '--password-stdin'], { DATA_DIR }, 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/password: too_short/);
    expect(short.stderr).not.toContain('short\n\n');
    const email = await cli(['moderators', 'add', 'not-an-email', '--name', 'A', '--role', 'moderator', '--password-stdin'], { DATA_DIR }, `${PASSWORD}\n`);
    expect(email.code).toBe(1);
    expect(email.stderr).toMatch(/email: invalid/);
    const role = await cli(['moderators', 'add', 'a@example.org', '--name', 'A', '--role', 'owner', '--password-stdin'], { DATA_DIR }, `${PASSWORD}\n`);
    expect(role.code).toBe(2);
    expect(await stored(DATA_DIR)).toEqual([]);
    expect((await cli(['moderators', 'add', 'a@example.org', '--name', 'A', '--role', 'moderator', '--password-stdin'], { DATA_DIR }, `${PASSWORD}\n`)).code).toBe(0);
    const twice = await cli(['moderators', 'add', 'A@example.org', '--name', 'B', '--role', 'moderator', '--password-stdin'], { DATA_DIR }, `${PASSWORD}\n`);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already exists/);
    expect(twice.stderr).not.toContain('a@example.org');
  });

  it('asks for the password on a terminal only: without one and without --password-stdin it fails', async () => {
    const DATA_DIR = tempDir();
    const res = await cli(['moderators', 'add', 'a@example.org', '--name', 'A', '--role', 'admin'], { DATA_DIR });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/--password-stdin/);
    expect(await stored(DATA_DIR)).toEqual([]);
  });

  it('disables and enables by email or id, resets the password, and keeps the last enabled admin', async () => {
    const DATA_DIR = tempDir();
    await cli(['moderators', 'add', 'boss@example.org', '--name', 'Boss', '--role', 'admin', '--password-stdin'], { DATA_DIR }, `${PASSWORD}\n`);
    await cli(['moderators', 'add', 'mod@example.org', '--name', 'Mod', '--role', 'moderator', '--password-stdin'], { DATA_DIR }, `${PASSWORD}\n`);
    const last = await cli(['moderators', 'disable', 'boss@example.org'], { DATA_DIR });
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/last enabled admin/);
    const mod = (await stored(DATA_DIR)).find((m) => m.role === 'moderator')!;
    const off = await cli(['moderators', 'disable', mod.id], { DATA_DIR });
    expect(off).toMatchObject({ code: 0 });
    expect(off.stdout).toMatch(/^disabled: Mod .*, moderator, disabled/);
    expect((await stored(DATA_DIR)).find((m) => m.id === mod.id)!.disabled).toBe(true);
    expect((await cli(['moderators', 'enable', 'MOD@example.org'], { DATA_DIR })).code).toBe(0);
    expect((await stored(DATA_DIR)).find((m) => m.id === mod.id)!.disabled).toBe(false);
    const reset = await cli(['moderators', 'reset', 'mod@example.org', '--password-stdin'], { DATA_DIR }, 'a brand new passphrase\r\n');
    expect(reset.code).toBe(0);
    const after = (await stored(DATA_DIR)).find((m) => m.id === mod.id)!;
    await expect(verifyPassword('a brand new passphrase', after.passwordHash)).resolves.toBe(true);
    await expect(verifyPassword(PASSWORD, after.passwordHash)).resolves.toBe(false);
    const unknown = await cli(['moderators', 'disable', 'nobody@example.org'], { DATA_DIR });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No such moderator/);
  });

  it('audits account changes made from the shell as the cli', async () => {
    const DATA_DIR = tempDir();
    await cli(['moderators', 'add', 'boss@example.org', '--name', 'Boss', '--role', 'admin', '--password-stdin'], { DATA_DIR }, `${PASSWORD}\n`);
    const s = openSqliteStorage({ dataDir: DATA_DIR });
    try {
      const { entries } = await s.listAudit({ cursor: null, limit: 10 });
      expect(entries).toEqual([expect.objectContaining({ actor: 'cli', action: 'moderator_add' })]);
      expect(JSON.stringify(entries)).not.toContain('boss@example.org');
    } finally {
      await s.close();
    }
  });

  it.each([['add'], ['list'], ['disable'], ['enable'], ['reset']])('explains `moderators %s --help`', async (sub) => {
    const res = await cli(['moderators', sub, '--help'], { DATA_DIR: tempDir() });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`Usage: parley moderators ${sub}`));
  });
});
