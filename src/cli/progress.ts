/** Import progress by bytes read: a bar on a terminal (cli-progress), a plain line per 10 % otherwise. */
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';

export interface Progress {
  update(bytesRead: number, records: number): void;
  stop(): void;
}

export function createProgress(out: Writable & { isTTY?: boolean }, totalBytes: number, label: string): Progress {
  if (out.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: out as NodeJS.WritableStream, format: `${label} [{bar}] {percentage}% | {records} records`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(totalBytes, 1), 0, { records: 0 });
    return {
      update: (bytes, records) => bar.update(Math.min(bytes, totalBytes), { records }),
      stop: () => bar.stop(),
    };
  }
  let nextTenth = 1;
  return {
    update(bytes, records) {
      if (totalBytes <= 0) return;
      while (nextTenth <= 10 && bytes >= (totalBytes * nextTenth) / 10) {
        out.write(`${label}: ${nextTenth * 10}% (${records} records)\n`);
        nextTenth += 1;
      }
    },
    stop: () => undefined,
  };
}
