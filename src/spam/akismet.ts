/**
 * Our Akismet client: comment-check before publishing, submit-spam / submit-ham on moderators' decisions,
 * verify-key at start-up. Every call is bounded by `timeoutMs`, and nothing here ever throws: an answer we
 * cannot trust becomes `unchecked` (the comment is held and re-checked), never ham.
 *
 * Why comment-check, submit-spam and submit-ham are plain HTTP requests (node:http, below) and only verify-key uses akismet-api 6
 * (each fact checked against node_modules/akismet-api/lib/akismet.js and tests/support/fake-akismet.ts):
 * - `checkSpam` resolves only `true`/`false`: the `X-akismet-pro-tip: discard` header is dropped, so
 *   "discard" cannot be told from "spam". (It does reject on a garbage body, `invalid`, 5xx and network
 *   errors, so it never turns those into ham; that part was safe.)
 * - Comment calls put the key only in the host name (`KEY.rest.akismet.com`). With `endpoint` overridden
 *   (AKISMET_ENDPOINT), they carry no key at all — no `api_key` parameter, no key in the host — so an
 *   Akismet-compatible service can only answer "Missing required field: api_key.".
 * - `submitSpam`/`submitHam` resolve on any 2xx whatever the body: `invalid`, "Missing required field" and
 *   an HTML page all look like success.
 * - No call can be cancelled (superagent's request is not exposed and it has no timeout): after our timeout
 *   an abandoned request keeps its socket open until the server answers or closes it. A request of our own
 *   is destroyed at the timeout, which closes its socket.
 * So those three calls are form-encoded POSTs to `${endpoint}<method>` with the key as `api_key` (Akismet's
 * documented form; https://rest.akismet.com/1.1/ by default), with the same parameter names the library
 * uses. verify-key stays on akismet-api: it sends `key` and `blog` to `rootEndpoint`, maps `valid`/`invalid`
 * exactly and rejects anything else. Its one weakness is the uncancellable request: a verify that hangs past
 * the timeout leaves one socket open until the server gives up; verify-key runs once at start-up and at
 * most every 10 minutes afterwards (only while the key is invalid), and shutdown exits the process.
 *
 * Logs carry reasons, status codes and error codes only: never the key, the commenter's email or IP, nor a
 * server message that could echo them (server text is scrubbed of all three before it is logged).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AkismetClient as LibraryClient } from 'akismet-api';

export interface AkismetLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

export interface AkismetOptions {
  key: string;
  blog: string;
  /** Akismet-compatible base URL ending in `/1.1/` (AKISMET_ENDPOINT); null/undefined: Akismet itself. */
  endpoint?: string | null;
  timeoutMs: number;
  isTest: boolean;
  lang?: string;
  /** Default 'UTF-8' (what we send). */
  charset?: string;
  logger: AkismetLogger;
  /** For the 10-minute re-verify of an invalid key. Default: the system clock. */
  clock?: () => Date;
}

/** Everything comment-check needs. */
export interface AkismetComment {
  ip: string | null;
  userAgent: string | null;
  referrer: string | null;
  permalink: string | null;
  type: 'comment' | 'reply';
  author: string;
  email: string;
  url: string | null;
  content: string;
  dateGmt: Date;
  honeypotName?: string;
  honeypotValue?: string;
  /** Per-thread origin; overrides options.blog (the caller sets it when PUBLIC_URL is unset). */
  blog?: string;
  /** Akismet's `user_role`; `administrator` is never spam. */
  userRole?: string;
  /** Akismet's `recheck_reason`, for the re-check of a comment held as unchecked. */
  recheckReason?: string;
  /** submit-spam / submit-ham: who reported it (Akismet's `reporter`, as WordPress sends the moderator's login). */
  reporter?: string;
}

export type UncheckedReason = 'timeout' | 'unreachable' | 'server_error' | 'unexpected_answer' | 'invalid_key';

export type AkismetVerdict =
  | { result: 'ham' }
  | { result: 'spam' }
  | { result: 'discard' }
  | { result: 'unchecked'; reason: UncheckedReason };

export type AkismetKeyStatus = 'unknown' | 'valid' | 'invalid' | 'unreachable';

export interface AkismetClient {
  verifyKey(): Promise<'valid' | 'invalid' | 'unreachable'>;
  /** Last known, for readiness. */
  keyStatus(): AkismetKeyStatus;
  /** Never throws. */
  check(c: AkismetComment): Promise<AkismetVerdict>;
  /** Never throws; false on failure (logged without PII). */
  submitSpam(c: AkismetComment): Promise<boolean>;
  submitHam(c: AkismetComment): Promise<boolean>;
}

export const AKISMET_DEFAULT_ENDPOINT = 'https://rest.akismet.com/1.1/';
/** An invalid key is verified again at most this often, so a fixed key recovers without a restart. */
export const AKISMET_REVERIFY_MS = 10 * 60 * 1000;
const THANKS = 'Thanks for making the web a better place.';
const USER_AGENT = `Parley | Node.js/${process.version}`;

type Method = 'comment-check' | 'submit-spam' | 'submit-ham';

type Outcome =
  | { kind: 'answer'; status: number; text: string; headers: AnswerHeaders }
  | { kind: 'failed'; reason: 'timeout' | 'unreachable'; code?: string };

/** What is read of an answer's headers (names in any case). */
interface AnswerHeaders {
  get(name: string): string | null;
}

// Shared by every client: connections to Akismet are reused across posts (idle sockets do not hold the process open).
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

/** The public fields akismet-api 6 builds its URLs from (not in its typings). */
interface LibraryEndpoints {
  endpoint: string;
  rootEndpoint: string;
}

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function createAkismetClient(opts: AkismetOptions): AkismetClient {
  const { logger, timeoutMs } = opts;
  const base = opts.endpoint ? (opts.endpoint.endsWith('/') ? opts.endpoint : `${opts.endpoint}/`) : AKISMET_DEFAULT_ENDPOINT;
  const now = opts.clock ?? (() => new Date());

  // Loaded on the first verify only: the library (bluebird, superagent…) is some 70 modules only verify-key uses.
  let library: Promise<LibraryClient> | null = null;
  const loadLibrary = (): Promise<LibraryClient> =>
    (library ??= import('akismet-api').then(({ AkismetClient }) => {
      const client = new AkismetClient({ key: opts.key, blog: opts.blog });
      if (opts.endpoint) {
        const fields = client as unknown as LibraryEndpoints;
        fields.endpoint = base;
        fields.rootEndpoint = base;
      }
      return client;
    }));

  let status: AkismetKeyStatus = 'unknown';
  let lastVerifiedAt = 0;
  let verifying: Promise<'valid' | 'invalid' | 'unreachable'> | null = null;

  /** Server text may quote what we sent: never let the key, an email or an IP through to the log. */
  function scrub(text: string, c?: AkismetComment): string {
    let out = text;
    for (const secret of [opts.key, c?.email, c?.ip]) {
      if (secret) out = out.split(secret).join('[redacted]');
    }
    return out
      .replace(/[^\s@]+@[^\s@]+/g, '[redacted]')
      .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '[redacted]')
      .slice(0, 200);
  }

  function markInvalid(): void {
    status = 'invalid';
    lastVerifiedAt = now().getTime();
  }

  function params(c: AkismetComment): URLSearchParams {
    const p = new URLSearchParams();
    const put = (name: string, value: string | null | undefined) => {
      if (value !== null && value !== undefined && value !== '') p.set(name, value);
    };
    put('api_key', opts.key);
    put('blog', c.blog ?? opts.blog);
    put('user_ip', c.ip);
    put('user_agent', c.userAgent);
    put('referrer', c.referrer);
    put('permalink', c.permalink);
    put('comment_type', c.type);
    put('comment_author', c.author);
    put('comment_author_email', c.email);
    put('comment_author_url', c.url);
    put('comment_content', c.content);
    put('comment_date_gmt', c.dateGmt.toISOString());
    put('blog_lang', opts.lang);
    put('blog_charset', opts.charset ?? 'UTF-8');
    put('user_role', c.userRole);
    put('recheck_reason', c.recheckReason);
    put('reporter', c.reporter);
    if (opts.isTest) p.set('is_test', '1');
    if (c.honeypotName) {
      // A field named like one of ours would overwrite it (e.g. `comment_content`): send the name only then.
      p.set('honeypot_field_name', c.honeypotName);
      if (!p.has(c.honeypotName)) p.set(c.honeypotName, c.honeypotValue ?? '');
    }
    return p;
  }

  /**
   * node:http(s) on a keep-alive agent rather than fetch: a comment-check is on every post's path, and fetch's
   * streams cost about a tenth of a post's CPU. It follows no redirect (a 3xx would carry the key elsewhere; it is an
   * unexpected answer), and after the timeout the request is destroyed, closing its socket.
   */
  function post(method: Method, body: URLSearchParams): Promise<Outcome> {
    const url = new URL(`${base}${method}`);
    const payload = Buffer.from(body.toString());
    const secure = url.protocol === 'https:';
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const failed = (err: unknown): Outcome => {
        const code = errorCode(err);
        return code ? { kind: 'failed', reason: 'unreachable', code } : { kind: 'failed', reason: 'unreachable' };
      };
      const options = {
        method: 'POST',
        agent: secure ? httpsAgent : httpAgent,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8', 'User-Agent': USER_AGENT, 'Content-Length': payload.length },
      };
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => settle(failed(err)));
        res.on('end', () => {
          const headers = res.headers;
          const get = (name: string): string | null => {
            const v = headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          };
          settle({ kind: 'answer', status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: { get } });
        });
      };
      const req = secure ? https.request(url, options, onResponse) : http.request(url, options, onResponse);
      const timer = setTimeout(() => {
        settle({ kind: 'failed', reason: 'timeout' });
        req.destroy();
      }, timeoutMs);
      req.on('error', (err) => settle(failed(err)));
      req.end(payload);
    });
  }

  /** The library is loaded first, outside the timeout: the timeout bounds Akismet's answer, not our start-up. */
  async function verifyOnce(): Promise<'valid' | 'invalid' | 'unreachable'> {
    let client: LibraryClient;
    try {
      client = await loadLibrary();
    } catch (err) {
      library = null;
      logger.error({ akismet: 'verify-key', reason: 'unexpected_answer', code: errorCode(err) }, 'Akismet key not verified: akismet-api did not load');
      return 'unreachable';
    }
    return verifyWith(client);
  }

  function verifyWith(client: LibraryClient): Promise<'valid' | 'invalid' | 'unreachable'> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: 'valid' | 'invalid' | 'unreachable', log: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (result === 'invalid') markInvalid();
        else {
          status = result;
          lastVerifiedAt = now().getTime();
        }
        log();
        resolve(result);
      };
      const timer = setTimeout(() => {
        finish('unreachable', () => logger.warn({ akismet: 'verify-key', reason: 'timeout', timeoutMs }, 'Akismet key not verified: no answer in time'));
      }, timeoutMs);
      // Both handlers are attached here, so the request outliving the timeout never becomes an unhandled rejection.
      client.verifyKey().then(
        (valid) => {
          if (valid) finish('valid', () => logger.info({ akismet: 'verify-key' }, 'Akismet key verified'));
          else
            finish('invalid', () =>
              logger.error({ akismet: 'verify-key', reason: 'invalid_key' }, 'Akismet rejected AKISMET_KEY: comments will be held as unchecked until the key is fixed'),
            );
        },
        (err: unknown) => {
          const httpStatus = (err as { status?: unknown } | null)?.status;
          const code = errorCode(err);
          const reason = typeof httpStatus === 'number' ? (httpStatus >= 500 ? 'server_error' : 'unexpected_answer') : code ? 'unreachable' : 'unexpected_answer';
          finish('unreachable', () =>
            logger.warn(
              { akismet: 'verify-key', reason, ...(typeof httpStatus === 'number' ? { status: httpStatus } : {}), ...(code ? { code } : {}) },
              'Akismet key not verified',
            ),
          );
        },
      );
    });
  }

  function verifyKey(): Promise<'valid' | 'invalid' | 'unreachable'> {
    verifying ??= verifyOnce().finally(() => {
      verifying = null;
    });
    return verifying;
  }

  /** Null when calls may go out; while the key is known invalid, re-verifies it once the last verdict is
   * old enough (then a failed re-verify answers for the call, so a poster never waits two timeouts). */
  async function keyGate(): Promise<'invalid_key' | 'unreachable' | null> {
    if (status !== 'invalid') return null;
    if (now().getTime() - lastVerifiedAt < AKISMET_REVERIFY_MS) return 'invalid_key';
    const verified = await verifyKey();
    return verified === 'valid' ? null : verified === 'invalid' ? 'invalid_key' : 'unreachable';
  }

  function unchecked(reason: UncheckedReason, detail: Record<string, unknown>, c: AkismetComment, method: Method): AkismetVerdict {
    const debugHelp = detail.debugHelp;
    const fields = { akismet: method, reason, ...detail, ...(typeof debugHelp === 'string' ? { debugHelp: scrub(debugHelp, c) } : {}) };
    if (reason === 'invalid_key') logger.error(fields, 'Akismet rejected AKISMET_KEY: comment held as unchecked');
    else logger.warn(fields, 'Akismet gave no verdict: comment held as unchecked');
    return { result: 'unchecked', reason };
  }

  function alertFields(headers: AnswerHeaders, c: AkismetComment): Record<string, string> {
    const code = headers.get('x-akismet-alert-code');
    const msg = headers.get('x-akismet-alert-msg');
    return { ...(code ? { alertCode: scrub(code, c) } : {}), ...(msg ? { alertMsg: scrub(msg, c) } : {}) };
  }

  async function check(c: AkismetComment): Promise<AkismetVerdict> {
    try {
      const gate = await keyGate();
      if (gate) return { result: 'unchecked', reason: gate };
      const out = await post('comment-check', params(c));
      if (out.kind === 'failed') return unchecked(out.reason, out.code ? { code: out.code } : {}, c, 'comment-check');
      if (out.status >= 500) return unchecked('server_error', { status: out.status }, c, 'comment-check');
      const debugHelp = out.headers.get('x-akismet-debug-help') ?? undefined;
      const alert = alertFields(out.headers, c);
      if (Object.keys(alert).length) logger.warn({ akismet: 'comment-check', ...alert }, 'Akismet sent an account alert');
      if (out.status < 200 || out.status > 299) return unchecked('unexpected_answer', { status: out.status, debugHelp }, c, 'comment-check');
      if (out.text === 'invalid') {
        markInvalid();
        return unchecked('invalid_key', { status: out.status, debugHelp }, c, 'comment-check');
      }
      if (out.text !== 'true' && out.text !== 'false') return unchecked('unexpected_answer', { status: out.status, debugHelp }, c, 'comment-check');
      // A definitive answer means the service accepted the key.
      status = 'valid';
      if (out.text === 'false') return { result: 'ham' };
      return out.headers.get('x-akismet-pro-tip') === 'discard' ? { result: 'discard' } : { result: 'spam' };
    } catch (err) {
      // Defensive: nothing above should throw, but a verdict must always come back.
      return unchecked('unexpected_answer', { code: errorCode(err) ?? 'internal' }, c, 'comment-check');
    }
  }

  async function submit(method: 'submit-spam' | 'submit-ham', c: AkismetComment): Promise<boolean> {
    const fail = (fields: Record<string, unknown>): false => {
      const debugHelp = fields.debugHelp;
      logger.warn(
        { akismet: method, ...fields, ...(typeof debugHelp === 'string' ? { debugHelp: scrub(debugHelp, c) } : {}) },
        'Akismet feedback not delivered',
      );
      return false;
    };
    try {
      const gate = await keyGate();
      if (gate) return fail({ reason: gate });
      const out = await post(method, params(c));
      if (out.kind === 'failed') return fail({ reason: out.reason, ...(out.code ? { code: out.code } : {}) });
      const debugHelp = out.headers.get('x-akismet-debug-help') ?? undefined;
      if (out.status >= 500) return fail({ reason: 'server_error', status: out.status });
      if (out.status < 200 || out.status > 299) return fail({ reason: 'unexpected_answer', status: out.status, debugHelp });
      if (out.text === 'invalid') {
        markInvalid();
        logger.error({ akismet: method, reason: 'invalid_key' }, 'Akismet rejected AKISMET_KEY');
        return false;
      }
      if (out.text.trim() !== THANKS) return fail({ reason: 'unexpected_answer', status: out.status, debugHelp });
      status = 'valid';
      return true;
    } catch (err) {
      return fail({ reason: 'unexpected_answer', code: errorCode(err) ?? 'internal' });
    }
  }

  return {
    verifyKey,
    keyStatus: () => status,
    check,
    submitSpam: (c) => submit('submit-spam', c),
    submitHam: (c) => submit('submit-ham', c),
  };
}
