/**
 * A MongoDB outage: the database stops (SIGKILL of a private FerretDB), posts get 503 storage_unavailable without
 * hanging (the client gives up after CLIENT_TIMEOUT_MS, far above MONGODB_TIMEOUT_MS, so a hang fails the test rather
 * than a stopwatch), and the service recovers by itself when the database returns on the same data.
 * Needs MONGODB_URI (as a sign that FerretDB is available here; the test starts its own with scripts/start-ferretdb.sh).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import {
  LOAD_ENV,
  ROOT,
  commentBody,
  formToken,
  freePort,
  killAllServices,
  mongoMissing,
  publicIds,
  startListening,
  waitFor,
  withDatabase,
} from './support/spawn-service.js';

const run = promisify(execFile);
/** What the service may take per storage wait; a request touches the store a few times. */
const MONGODB_TIMEOUT_MS = 2000;
/** The client's patience: a request still running by then counts as hung. */
const CLIENT_TIMEOUT_MS = 20_000;

afterEach(() => killAllServices());

let ferretDir: string | null = null;
afterAll(async () => {
  if (!ferretDir) return;
  // Stops it and drops the PostgreSQL database start-ferretdb.sh may have created for it.
  await run(path.join(ROOT, 'scripts/stop-ferretdb.sh'), [ferretDir], { timeout: 30_000 }).catch(() => stopFerret(ferretDir!, 'SIGTERM'));
  fs.rmSync(ferretDir, { recursive: true, force: true });
});

async function startFerret(port: number, dir: string): Promise<string> {
  const { stdout } = await run(path.join(ROOT, 'scripts/start-ferretdb.sh'), [String(port), dir], { timeout: 120_000 });
  const uri = stdout.trim().split('\n').pop() ?? '';
  if (!uri.startsWith('mongodb://')) throw new Error(`start-ferretdb.sh printed no URI: ${stdout}`);
  return uri;
}

function stopFerret(dir: string, signal: NodeJS.Signals): void {
  const pidFile = path.join(dir, 'ferretdb.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function post(base: string, url: string, token: string, i: number) {
  const res = await fetch(`${base}/api/v1/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: commentBody(url, token, i),
    signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { comment?: { id: string }; error?: { code: string } } };
}

const describeMongo = process.env.MONGODB_URI ? describe : describe.skip;
if (!process.env.MONGODB_URI && mongoMissing('The MongoDB outage test') === 'fail') {
  it('needs a MongoDB server (REQUIRE_MONGO=1)', () => {
    throw new Error('REQUIRE_MONGO=1 but MONGODB_URI is not set');
  });
}

describeMongo('a MongoDB outage', () => {
  it('answers posts 503 storage_unavailable while the database is down and recovers by itself when it returns', async () => {
    ferretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-outage-'));
    const dbPort = await freePort();
    const uri = withDatabase(await startFerret(dbPort, ferretDir), 'parley_outage');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = await startListening({
      ...LOAD_ENV,
      DATA_DIR: path.join(ferretDir, 'app'),
      MONGODB_URI: uri,
      MONGODB_TIMEOUT_MS: String(MONGODB_TIMEOUT_MS),
      PORT: String(port),
    });
    const url = 'https://news.example.org/outage';
    const token = await formToken(base, url);
    const before = await post(base, url, token, 0);
    expect(before.status).toBe(201);

    // The database dies hard.
    const pid = Number(fs.readFileSync(path.join(ferretDir, 'ferretdb.pid'), 'utf8').trim());
    stopFerret(ferretDir, 'SIGKILL');
    await waitFor(() => !alive(pid), 'FerretDB to die');

    for (let i = 1; i <= 3; i += 1) {
      const down = await post(base, url, token, i);
      expect(down.status).toBe(503);
      expect(down.body.error?.code).toBe('storage_unavailable');
      expect(down.retryAfter).toMatch(/^\d+$/);
    }
    expect((await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) })).status).toBe(503);
    expect((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) })).status).toBe(200);

    // Back on the same data and port: the service reconnects without a restart.
    await startFerret(dbPort, ferretDir);
    let after: Awaited<ReturnType<typeof post>> | undefined;
    let i = 10;
    await waitFor(
      async () => {
        after = await post(base, url, token, (i += 1));
        return after.status === 201;
      },
      'a post to succeed after the database returned',
      60_000,
    );
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const ids = await publicIds(base, url);
    expect(ids.has(before.body.comment!.id)).toBe(true);
    expect(ids.has(after!.body.comment!.id)).toBe(true);

    expect(service.stdout()).not.toMatch(/unhandled error/);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  }, 180_000);
});
