/**
 * A real HTTP receiver for webhook tests on 127.0.0.1: records every request, answers 500 while told to, and can hold
 * its answers back (a receiver that accepts the connection and does not answer), counting the requests the sender gave up.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
}

export async function startWebhookReceiver() {
  const received: ReceivedWebhook[] = [];
  let failNext = 0;
  let held: Promise<void> | null = null;
  let abandoned = 0;
  let arrived: (() => void) | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    // The sender closed the connection before any answer (its timeout).
    res.on('close', () => {
      if (!res.writableFinished) abandoned += 1;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      arrived?.();
      const answer = () => {
        if (res.destroyed) return;
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(500).end('nope');
        } else res.writeHead(204).end();
      };
      if (held) void held.then(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    failNext(n: number) {
      failNext = n;
    },
    /** Answers nothing until `until` settles (requests that arrive meanwhile wait too). */
    hold(until: Promise<unknown>) {
      held = until.then(
        () => undefined,
        () => undefined,
      );
    },
    /** Requests whose sender hung up before they were answered. */
    abandoned: () => abandoned,
    /** Resolves when the next request has arrived. */
    nextRequest: () => new Promise<void>((resolve) => (arrived = resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
