/** Runs src/main.ts through tsx as its own process, as an operator would, for tests of start-up, crashes and outages. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Service {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Kills every service still running (call from afterEach/afterAll). */
export function killAllServices(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  running.clear();
}

export function startService(env: Record<string, string>): Service {
  // Only PATH and HOME come from outside: no MONGODB_URI or other settings leak in from the test runner.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => running.delete(child));
  return { child, exited, stdout: () => out, stderr: () => err };
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the service and waits for its "listening" line; fails with its output if it exits first. */
export async function startListening(env: Record<string, string>): Promise<Service> {
  const s = startService(env);
  let exitCode: number | null | undefined;
  void s.exited.then((c) => (exitCode = c));
  await waitFor(() => {
    if (exitCode !== undefined) throw new Error(`the service exited (${exitCode}): ${s.stderr()}${s.stdout().slice(-2000)}`);
    return s.stdout().includes('Parley listening');
  }, 'the listening log line');
  return s;
}

/** Puts `db` in place of a MongoDB URI's database path, keeping hosts, credentials and options. */
export function withDatabase(uri: string, db: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error('MONGODB_URI is not a mongodb:// URI');
  return `${m[1]}/${db}${m[3] ?? ''}`;
}

/** Settings for a spawned service under write load: everything published at once, no rate limit in the way. */
export const LOAD_ENV: Readonly<Record<string, string>> = {
  HOST: '127.0.0.1',
  SECRET: 'spawned-service-secret-0123456789-abcdefghijkl',
  MODERATION: 'none',
  MIN_SUBMIT_SECONDS: '0',
  LOG_LEVEL: 'info',
  RATE_LIMIT_POSTS_PER_MINUTE: '100000',
  RATE_LIMIT_POSTS_PER_HOUR: '1000000',
  RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR: '1000000',
  RATE_LIMIT_READS_PER_MINUTE: '1000000',
};

/** A form token for `url`, so posts are not held as "no form token". */
export async function formToken(base: string, url: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/form-token?url=${encodeURIComponent(url)}`);
  if (res.status !== 200) throw new Error(`form-token: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

export function commentBody(url: string, token: string, i: number): string {
  return JSON.stringify({ url, formToken: token, name: `Writer ${i}`, email: `writer${i}@example.org`, body: `Comment number ${i}.` });
}

/** Every public comment id of a thread, through the public API, page by page. */
export async function publicIds(base: string, url: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const q: string = `url=${encodeURIComponent(url)}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(`${base}/api/v1/threads?${q}`);
    if (res.status !== 200) throw new Error(`GET /api/v1/threads: ${res.status}`);
    const page = (await res.json()) as { comments: { id: string }[]; nextCursor: string | null };
    for (const c of page.comments) ids.add(c.id);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** When MongoDB is not reachable: fail under REQUIRE_MONGO=1 (as in .ci/run), else say loudly what was skipped. */
export function mongoMissing(what: string): 'fail' | 'skip' {
  if (process.env.REQUIRE_MONGO === '1') return 'fail';
  const line = '!'.repeat(78);
  // Straight to stderr: Jest shows no console output of a skipped suite when it runs more than one file.
  process.stderr.write(
    `\n${line}\n!!  ${what} SKIPPED: MONGODB_URI is not set.\n` +
      '!!  To run it: MONGODB_URI=$(scripts/start-ferretdb.sh 27099 /tmp/ferret-dev | tail -n 1) npm test -- <this file>\n' +
      `!!  (.ci/run sets MONGODB_URI and REQUIRE_MONGO=1, where a missing server fails the build.)\n${line}\n`,
  );
  return 'skip';
}
