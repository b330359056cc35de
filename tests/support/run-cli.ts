/** Runs the `parley` command line in-process with its own env and captured output. */
import { Writable } from 'node:stream';
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

export async function cli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { env: { SECRET: TEST_SECRET, LOG_LEVEL: 'silent', ...env }, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
