/**
 * Issue 12: without MONGODB_URI the MongoDB suite's skip is loud in `npm test` output, also when Jest runs it among
 * other files (where Jest shows no console output of a skipped suite). Runs Jest on two files in a child process.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../support/spawn-service.js';

describe('npm test without MONGODB_URI', () => {
  it('prints the MongoDB skip banner even when other files run with it', () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CI: '1' };
    // mongodb-memory-server must not find a mongod either (and not try to download one).
    env.MONGOMS_SYSTEM_BINARY = path.join(ROOT, 'no-such-mongod');
    const jest = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const run = spawnSync(
      process.execPath,
      ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jest, 'tests/storage/mongo.test.ts', 'tests/domain/ban.test.ts'],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 },
    );
    const out = `${run.stdout}${run.stderr}`;
    expect(run.status).toBe(0);
    expect(out).toMatch(/Test Suites: 1 skipped, 1 passed/);
    expect(out).toContain('!!  MongoDB storage suite SKIPPED: no MongoDB server.');
    expect(out.match(/MongoDB storage suite SKIPPED/g)).toHaveLength(1);
  }, 130_000);
});
