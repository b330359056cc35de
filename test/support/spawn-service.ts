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
