/** Runs the `parley` command line in-process with its own env and captured output. */
import { Readable, Writable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const TEST_SECRET = 'test-secret-for-the-cli-0123456789abcdef';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `stdin`: text piped in (e.g. a password for --password-stdin); absent, the command sees no standard input. */
export async function cli(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const input = stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) };
  const code = await runCli(args, { env: { SECRET: TEST_SECRET, LOG_LEVEL: 'silent', ...env }, stdout, stderr, ...input });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
