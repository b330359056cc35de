/**
 * A fake Akismet: a real HTTP server on 127.0.0.1 speaking Akismet's REST protocol (1.1), for tests and
 * development. Nothing here ever reaches the internet.
 *
 *   Tests:        const fake = await startFakeAkismet();  // fake.url = http://127.0.0.1:PORT/1.1/
 *                 … AKISMET_ENDPOINT = fake.url, AKISMET_KEY = FAKE_AKISMET_KEY …
 *                 fake.setMode('hang'); fake.requests; fake.reset(); await fake.close();
 *   Development:  npx tsx tests/support/fake-akismet.ts --port 4010 [--key KEY]... [--mode MODE] [--slow-ms N]
 *                 prints the endpoint to put in AKISMET_ENDPOINT and runs until Ctrl-C.
 *
 * Protocol: form-encoded POSTs to /1.1/verify-key (`valid` / `invalid`), /1.1/comment-check (`true` /
 * `false` / `invalid` with `X-akismet-debug-help`), /1.1/submit-spam and /1.1/submit-ham ("Thanks for making
 * the web a better place."). Required: the key, `blog`, and `user_ip` on comment calls; a missing one gets
 * "Missing required field: NAME." with the same text in `X-akismet-debug-help`, as Akismet answers.
 *
 * Where the key arrives: verify-key sends it as `key` (akismet-api) or `api_key`. Comment calls send it as
 * `api_key` in the body (Akismet's documented way), or, as akismet-api 6 does, as the first label of the
 * host name (`KEY.rest.akismet.com`). When akismet-api's `endpoint` is overridden to http://127.0.0.1:PORT/1.1/
 * its comment calls carry NO key at all (neither body nor host), so the fake answers them as missing the key.
 *
 * Verdicts (comment-check, normal mode): `comment_author=akismet-guaranteed-spam` → `true`;
 * `user_role=administrator` → `false`; then the `discardWhen` / `spamWhen` predicates (→ `true` with
 * `X-akismet-pro-tip: discard` / `true`); otherwise `false`. Mode 'discard' answers every other comment that way.
 *
 * Failure modes, globally or per endpoint, switchable at any time: 'hang' (never answers; close() ends it),
 * 'error500', 'garbage' (200 with an HTML page), 'slow' (the normal answer after `slowMs`).
 */
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isIP } from 'node:net';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FAKE_AKISMET_KEY = 'test-key-123';
export const FAKE_AKISMET_ENDPOINTS = ['verify-key', 'comment-check', 'submit-spam', 'submit-ham'] as const;
export type FakeAkismetEndpoint = (typeof FAKE_AKISMET_ENDPOINTS)[number];
export type FakeAkismetMode = 'normal' | 'hang' | 'error500' | 'garbage' | 'slow' | 'discard';
export type FakeAkismetParams = Record<string, string>;

export const THANKS = 'Thanks for making the web a better place.';
export const GARBAGE_BODY = '<!DOCTYPE html><html><body><h1>Welcome to Hotel Wi-Fi</h1><p>Please log in.</p></body></html>';

export interface RecordedAkismetRequest {
  method: string;
  /** URL path as received, e.g. `/1.1/comment-check`. */
  path: string;
  /** The protocol endpoint, or null for an unknown path. */
  endpoint: FakeAkismetEndpoint | null;
  /** The form-encoded body, parsed (a repeated name keeps its last value). */
  params: FakeAkismetParams;
  headers: IncomingHttpHeaders;
  /** The key as received and where it came from. */
  key: string | null;
  keySource: 'body' | 'host' | null;
  /** The mode the request was served in. */
  mode: FakeAkismetMode;
  receivedAt: Date;
  /** Filled once answered; null while hanging or when the connection was cut. */
  status: number | null;
  answer: string | null;
  answerHeaders: Record<string, string>;
}

export interface FakeAkismetOptions {
  /** Keys accepted as valid. Default: [FAKE_AKISMET_KEY]. */
  validKeys?: readonly string[];
  /** 0 (default): any free port. */
  port?: number;
  /** Default mode for every endpoint. Default 'normal'. */
  mode?: FakeAkismetMode;
  /** Delay of the 'slow' mode. Default 1000 ms. */
  slowMs?: number;
  /** Extra spam rule for comment-check (after the documented test values). */
  spamWhen?: (params: FakeAkismetParams) => boolean;
  /** Extra "blatant spam" rule: `true` with `X-akismet-pro-tip: discard`. */
  discardWhen?: (params: FakeAkismetParams) => boolean;
  /** Print one line per request to stdout (the CLI turns this on). */
  verbose?: boolean;
}

export interface FakeAkismet {
  /** Base URL to use as AKISMET_ENDPOINT: `http://127.0.0.1:PORT/1.1/`. */
  readonly url: string;
  readonly port: number;
  /** Every request received since start or the last reset(), oldest first (hanging ones included). */
  readonly requests: RecordedAkismetRequest[];
  /** Requests to one endpoint. */
  requestsTo(endpoint: FakeAkismetEndpoint): RecordedAkismetRequest[];
  /** Without an endpoint: the mode of every endpoint (clears per-endpoint modes). With one: that endpoint only. */
  setMode(mode: FakeAkismetMode, endpoint?: FakeAkismetEndpoint): void;
  modeOf(endpoint: FakeAkismetEndpoint): FakeAkismetMode;
  setSlowMs(ms: number): void;
  setValidKeys(keys: readonly string[]): void;
  spamWhen(rule: ((params: FakeAkismetParams) => boolean) | null): void;
  discardWhen(rule: ((params: FakeAkismetParams) => boolean) | null): void;
  /** Back to the start options; forgets recorded requests; answers requests still hanging or slow with a cut. */
  reset(): void;
  /** Stops listening and cuts every open connection (hanging and slow requests included). */
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
  contentType?: string;
}

const PATH_RE = /^\/1\.1\/(verify-key|comment-check|submit-spam|submit-ham)\/?$/;

function isEndpoint(s: string): s is FakeAkismetEndpoint {
  return (FAKE_AKISMET_ENDPOINTS as readonly string[]).includes(s);
}

/** `KEY.rest.akismet.com` / `KEY.localhost:4010` → KEY. IP literals and one-label hosts carry no key. */
function keyFromHost(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  const host = hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return null;
  const labels = host.split('.');
  if (labels.length < 2) return null;
  const first = labels[0] ?? '';
  if (first === '' || first === 'rest' || first === 'localhost') return null;
  return first;
}

function missing(field: string): Answer {
  const text = `Missing required field: ${field}.`;
  return { status: 200, body: text, headers: { 'X-akismet-debug-help': text } };
}

function invalidKey(): Answer {
  return { status: 200, body: 'invalid', headers: { 'X-akismet-debug-help': 'Your API key is invalid.' } };
}

export async function startFakeAkismet(options: FakeAkismetOptions = {}): Promise<FakeAkismet> {
  const initial = {
    validKeys: [...(options.validKeys ?? [FAKE_AKISMET_KEY])],
    mode: options.mode ?? 'normal',
    slowMs: options.slowMs ?? 1000,
    spamWhen: options.spamWhen ?? null,
    discardWhen: options.discardWhen ?? null,
  };
  let validKeys = new Set(initial.validKeys);
  let globalMode: FakeAkismetMode = initial.mode;
  let endpointModes = new Map<FakeAkismetEndpoint, FakeAkismetMode>();
  let slowMs = initial.slowMs;
  let spamRule: ((p: FakeAkismetParams) => boolean) | null = initial.spamWhen;
  let discardRule: ((p: FakeAkismetParams) => boolean) | null = initial.discardWhen;
  const requests: RecordedAkismetRequest[] = [];
  const sockets = new Set<Socket>();
  const pending = new Set<{ timer: NodeJS.Timeout | null; res: ServerResponse }>();

  const modeOf = (endpoint: FakeAkismetEndpoint): FakeAkismetMode => endpointModes.get(endpoint) ?? globalMode;

  function protocolAnswer(endpoint: FakeAkismetEndpoint, rec: RecordedAkismetRequest, mode: FakeAkismetMode): Answer {
    const p = rec.params;
    if (endpoint === 'verify-key') {
      if (!rec.key) return { status: 200, body: 'invalid', headers: { 'X-akismet-debug-help': 'Empty "key" value' } };
      if (!p.blog) return missing('blog');
      return validKeys.has(rec.key) ? { status: 200, body: 'valid', headers: {} } : invalidKey();
    }
    if (!rec.key) return missing('api_key');
    if (!validKeys.has(rec.key)) return invalidKey();
    if (!p.blog) return missing('blog');
    if (!p.user_ip) return missing('user_ip');
    if (endpoint === 'submit-spam' || endpoint === 'submit-ham') return { status: 200, body: THANKS, headers: {} };
    if (p.comment_author === 'akismet-guaranteed-spam') return { status: 200, body: 'true', headers: {} };
    if (p.user_role === 'administrator') return { status: 200, body: 'false', headers: {} };
    if (mode === 'discard' || discardRule?.(p)) {
      return { status: 200, body: 'true', headers: { 'X-akismet-pro-tip': 'discard' } };
    }
    if (spamRule?.(p)) return { status: 200, body: 'true', headers: {} };
    return { status: 200, body: 'false', headers: {} };
  }

  function send(res: ServerResponse, rec: RecordedAkismetRequest | null, a: Answer): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(a.status, {
      'Content-Type': a.contentType ?? 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(a.body),
      ...a.headers,
    });
    res.end(a.body);
    if (rec) {
      rec.status = a.status;
      rec.answer = a.body;
      rec.answerHeaders = a.headers;
    }
    if (options.verbose) {
      process.stdout.write(`${new Date().toISOString()} ${rec?.path ?? '?'} [${rec?.mode ?? '-'}] → ${a.status} ${JSON.stringify(a.body.slice(0, 60))}${Object.keys(a.headers).length ? ` ${JSON.stringify(a.headers)}` : ''}\n`);
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = PATH_RE.exec(path);
    const endpoint = match?.[1] && isEndpoint(match[1]) ? match[1] : null;
    const params: FakeAkismetParams = {};
    const contentType = String(req.headers['content-type'] ?? '');
    if (contentType.includes('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(raw)) params[k] = v;
    }
    const bodyKey = params.api_key || (endpoint === 'verify-key' ? params.key : undefined) || null;
    const hostKey = bodyKey ? null : keyFromHost(req.headers.host);
    const mode = endpoint ? modeOf(endpoint) : 'normal';
    const rec: RecordedAkismetRequest = {
      method: req.method ?? 'GET',
      path,
      endpoint,
      params,
      headers: req.headers,
      key: bodyKey ?? hostKey,
      keySource: bodyKey ? 'body' : hostKey ? 'host' : null,
      mode,
      receivedAt: new Date(),
      status: null,
      answer: null,
      answerHeaders: {},
    };
    requests.push(rec);

    if (!endpoint) return send(res, rec, { status: 404, body: 'Not found', headers: {} });
    if (req.method !== 'POST') return send(res, rec, { status: 405, body: 'Method not allowed', headers: { Allow: 'POST' } });

    switch (mode) {
      case 'hang': {
        // Answer nothing; close()/reset() cut the connection.
        const entry = { timer: null, res };
        pending.add(entry);
        res.on('close', () => pending.delete(entry));
        return;
      }
      case 'error500':
        return send(res, rec, { status: 500, body: 'Internal Server Error', headers: {} });
      case 'garbage':
        return send(res, rec, { status: 200, body: GARBAGE_BODY, headers: {}, contentType: 'text/html; charset=utf-8' });
      case 'slow': {
        const entry: { timer: NodeJS.Timeout | null; res: ServerResponse } = { timer: null, res };
        entry.timer = setTimeout(() => {
          pending.delete(entry);
          send(res, rec, protocolAnswer(endpoint, rec, mode));
        }, slowMs);
        pending.add(entry);
        res.on('close', () => {
          if (entry.timer) clearTimeout(entry.timer);
          pending.delete(entry);
        });
        return;
      }
      case 'normal':
      case 'discard':
        return send(res, rec, protocolAnswer(endpoint, rec, mode));
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  function cutPending(): void {
    for (const entry of pending) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.res.destroy();
    }
    pending.clear();
  }

  return {
    url: `http://127.0.0.1:${port}/1.1/`,
    port,
    requests,
    requestsTo: (endpoint) => requests.filter((r) => r.endpoint === endpoint),
    setMode(mode, endpoint) {
      if (endpoint) {
        endpointModes.set(endpoint, mode);
      } else {
        globalMode = mode;
        endpointModes = new Map();
      }
    },
    modeOf,
    setSlowMs(ms) {
      slowMs = ms;
    },
    setValidKeys(keys) {
      validKeys = new Set(keys);
    },
    spamWhen(rule) {
      spamRule = rule;
    },
    discardWhen(rule) {
      discardRule = rule;
    },
    reset() {
      cutPending();
      requests.length = 0;
      validKeys = new Set(initial.validKeys);
      globalMode = initial.mode;
      endpointModes = new Map();
      slowMs = initial.slowMs;
      spamRule = initial.spamWhen;
      discardRule = initial.discardWhen;
    },
    close() {
      cutPending();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
}

function parseCli(argv: readonly string[]): FakeAkismetOptions {
  const opts: { port: number; validKeys: string[]; mode?: FakeAkismetMode; slowMs?: number } = { port: 4010, validKeys: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--port' && value) opts.port = Number(value);
    else if (arg === '--key' && value) opts.validKeys.push(value);
    else if (arg === '--mode' && value) opts.mode = value as FakeAkismetMode;
    else if (arg === '--slow-ms' && value) opts.slowMs = Number(value);
    else {
      if (arg !== '--help' && arg !== '-h') process.stderr.write(`unknown argument: ${String(arg)}\n`);
      process.stdout.write('usage: npx tsx tests/support/fake-akismet.ts [--port 4010] [--key KEY]... [--mode normal|hang|error500|garbage|slow|discard] [--slow-ms N]\n');
      process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
    }
    i += 1;
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    process.stderr.write('--port must be 0-65535\n');
    process.exit(2);
  }
  return {
    port: opts.port,
    ...(opts.validKeys.length ? { validKeys: opts.validKeys } : {}),
    ...(opts.mode ? { mode: opts.mode } : {}),
    ...(opts.slowMs !== undefined ? { slowMs: opts.slowMs } : {}),
    verbose: true,
  };
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const opts = parseCli(process.argv.slice(2));
  const fake = await startFakeAkismet(opts);
  const keys = opts.validKeys ?? [FAKE_AKISMET_KEY];
  process.stdout.write(
    `fake Akismet listening: AKISMET_ENDPOINT=${fake.url} AKISMET_KEY=${keys[0] ?? ''} (mode ${opts.mode ?? 'normal'})\n`,
  );
  const stop = () => {
    void fake.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
