/** A real SMTP server on 127.0.0.1 (smtp-server) for mail tests: records each accepted message, can refuse or stop. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  header(name: string): string | undefined;
}

export async function startSmtpReceiver(port = 0) {
  const received: ReceivedMail[] = [];
  let refuse = false;
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (refuse) {
            const err = Object.assign(new Error('Try again later'), { responseCode: 451 });
            callback(err);
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            header: (name) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1],
          });
          callback();
        });
      },
    });
  let server = make();
  const listen = (p: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port));
  });
  const bound = await listen(port);
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    received,
    refuse(on: boolean) {
      refuse = on;
    },
    stop,
    async restart() {
      server = make();
      await listen(bound);
    },
    close: stop,
  };
}
