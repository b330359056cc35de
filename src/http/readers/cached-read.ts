/**
 * The fast path for public reads: GET /api/v1/threads, GET /api/v1/counts and GET /threads/html served from the read
 * cache as ready bytes. Mounted after the request id, the access log, CORS and the read rate limit, before body
 * parsing. Input is read with the normal handlers' own parsers; anything they would refuse, and any error while
 * loading, passes to the normal handler, so errors stay exactly what they were. A hit sets three headers and writes
 * the bytes; the normal path's other headers (security, CORS, rate limit) were set upstream for both paths alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { CommentService } from '../../comments/comment-service.js';
import { AppError } from '../../domain/errors.js';
import { resolveThread, threadKeyFromUrl, type ThreadPolicy } from '../../domain/thread.js';
import type { CachedEntry, Loaded, ReadCache } from '../../cache/read-cache.js';
import { toThreadResponse, type CountsResponse } from './dto.js';
import { THREAD_PAGE_HEADERS, THREAD_PAGE_SIZE, threadPageHtml, threadPageView } from '../site/thread-page.js';
import { parseCounts, parseListThread } from './validation.js';
import { NO_CACHE_HEADERS, type CacheHeaders } from './cache-control.js';

export interface CachedReadDeps {
  /**
   * Null with CACHE_MAX_MB=0: thread pages and counts are then loaded for every request (no single flight either), and
   * carry the weak ETag Express gives a body, as they did when Express sent them; the no-JavaScript page is not served.
   */
  cache: ReadCache | null;
  service: CommentService;
  threadPolicy: ThreadPolicy;
  /** Caching headers of a hit: the same as the normal handler's (http/readers/cache-control.ts). */
  cacheHeaders?: CacheHeaders;
}

export interface CachedReads {
  threads: RequestHandler;
  counts: RequestHandler;
  threadPage: RequestHandler;
  /**
   * The cache key of a raw GET /api/v1/threads or /counts URL that these handlers already accepted, or null: lets the
   * front door (fast-hit.ts) answer a hit without parsing anything. Only URLs Express routed here are ever known.
   */
  keyOf(url: string): string | null;
  /**
   * For such a URL whose entry is not cached: a load of it through the cache (single flight, stored), or null when
   * the front door should leave the URL to the normal handler. Only URLs that loaded without an error before are
   * offered, so input the use case refuses (a bad cursor) is always answered, and rate-limited once, by Express.
   * The load resolves to null on an AppError, and rejects on any other error: the normal handler answers both.
   */
  fillOf(url: string): (() => Promise<CachedEntry<unknown> | null>) | null;
  /**
   * The same for GET /threads/html: the page's cache key, and its bytes from an entry with a fresh form token spliced
   * in (null when the entry has no single slot or no token can be issued: the page handler answers then).
   */
  pageOf(url: string): { key: string; render(entry: CachedEntry<unknown>): SplicedPage | null } | null;
}

/**
 * A cached page with its form token: views of the cached bytes around the token, never a copy. A copy per request was
 * a page-sized buffer outside the V8 heap each time, about 30 MB of them waiting for a collection under load.
 */
export interface SplicedPage {
  length: number;
  chunks: readonly [Buffer, Buffer, Buffer];
}

/** Sends the page's chunks as one write (corked; end() uncorks), after the headers. */
export function endWithPage(res: ServerResponse, page: SplicedPage): void {
  res.cork();
  res.write(page.chunks[0]);
  res.write(page.chunks[1]);
  res.end(page.chunks[2]);
}

const JSON_TYPE = 'application/json; charset=utf-8';
/**
 * Where the per-request form token goes in a cached page. Random per process, so no comment text can contain it;
 * letters and digits only, so HTML escaping leaves it as it is.
 */
const TOKEN_SLOT = `parleyformtokenslot${randomBytes(12).toString('hex')}`;

const SEP = '\u0000';

/** RFC 9110 weak comparison, as Express's own freshness check does it. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}

function sendJson(req: Request, res: Response, entry: CachedEntry<unknown>, cacheHeaders: CacheHeaders): void {
  for (const [name, value] of cacheHeaders) res.setHeader(name, value);
  res.setHeader('ETag', entry.etag);
  if (matchesEtag(req.headers['if-none-match'], entry.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', entry.body.length);
  res.end(entry.body);
}

/** Loads through the cache; an AppError (bad cursor, unknown thread…) means "let the normal handler answer". */
async function cachedOrPass(cache: ReadCache | null, key: string, load: () => Promise<Loaded<unknown>>): Promise<CachedEntry<unknown> | null> {
  try {
    return cache ? await cache.get(key, load) : uncached(await load());
  } catch (err) {
    if (err instanceof AppError) return null;
    throw err;
  }
}

/** A load with the cache off: nothing kept; the ETag is Express's default one (the etag package's weak tag). */
function uncached(loaded: Loaded<unknown>): CachedEntry<unknown> {
  const hash = createHash('sha1').update(loaded.body).digest('base64').substring(0, 27);
  return { body: loaded.body, etag: `W/"${loaded.body.length.toString(16)}-${hash}"`, threadKeys: loaded.threadKeys, meta: loaded.meta, filledAt: 0 };
}

/**
 * What a URL parses to is the same every time: remembered per raw URL, so a hit runs no validation at all. Only valid
 * input is remembered (anything else goes to the normal handler every time); bounded by dropping all at the limit.
 */
function parsedByUrl<T>(limit = 10_000): ((url: string, parse: () => T) => T | null) & { known(url: string): T | undefined } {
  const memo = new Map<string, T>();
  const parsedOf = (url: string, parse: () => T): T | null => {
    const known = memo.get(url);
    if (known !== undefined) return known;
    let parsed: T;
    try {
      parsed = parse();
    } catch {
      return null;
    }
    if (memo.size >= limit) memo.clear();
    memo.set(url, parsed);
    return parsed;
  };
  return Object.assign(parsedOf, { known: (url: string) => memo.get(url) });
}

/** An accepted JSON read: its cache key, its load, and whether a load of it has succeeded (fillOf offers only those). */
interface KnownRead {
  key: string;
  load: () => Promise<Loaded<unknown>>;
  loaded: boolean;
}

export function cachedReads({ cache, service, threadPolicy, cacheHeaders = NO_CACHE_HEADERS }: CachedReadDeps): CachedReads {
  const threadInput = parsedByUrl<KnownRead>();
  const countsInput = parsedByUrl<KnownRead>();
  const pageInput = parsedByUrl<{ key: string; view: ReturnType<typeof threadPageView>; input: ReturnType<typeof parseListThread>; ref: ReturnType<typeof resolveThread> }>();
  /** The page with a fresh form token in its slot, or null (no single slot, or no token for this selector). */
  const renderPage = (entry: CachedEntry<unknown>, view: ReturnType<typeof threadPageView>): SplicedPage | null => {
    const slot = entry.meta;
    if (typeof slot !== 'number') return null;
    let token: string;
    try {
      token = service.issueFormToken(view.sel).token;
    } catch {
      return null;
    }
    const chunks = [entry.body.subarray(0, slot), Buffer.from(token), entry.body.subarray(slot + TOKEN_SLOT.length)] as const;
    return { length: chunks[0].length + chunks[1].length + chunks[2].length, chunks };
  };
  /** The entry of an accepted read, through the cache; null when the use case refused it (an AppError). */
  const entryOf = async (known: KnownRead): Promise<CachedEntry<unknown> | null> => {
    const entry = await cachedOrPass(cache, known.key, known.load);
    if (entry) known.loaded = true;
    return entry;
  };
  return {
    keyOf: (url) => (threadInput.known(url) ?? countsInput.known(url))?.key ?? null,

    fillOf(url) {
      const known = threadInput.known(url) ?? countsInput.known(url);
      return known?.loaded ? () => entryOf(known) : null;
    },

    pageOf(url) {
      const known = pageInput.known(url);
      return known ? { key: known.key, render: (entry) => renderPage(entry, known.view) } : null;
    },

    async threads(req, res, next) {
      const parsed = threadInput(req.originalUrl, () => {
        const input = parseListThread(req.query);
        const ref = resolveThread(input, threadPolicy);
        return {
          key: ['t', ref.key, ref.url ?? '', input.sort, input.limit, input.cursor ?? ''].join(SEP),
          load: async () => ({ body: Buffer.from(JSON.stringify(toThreadResponse(await service.listThread(input)))), threadKeys: [ref.key] }),
          loaded: false,
        };
      });
      if (!parsed) return next();
      const entry = await entryOf(parsed);
      if (!entry) return next();
      sendJson(req, res, entry, cacheHeaders);
    },

    async counts(req, res, next) {
      const parsed = countsInput(req.originalUrl, () => {
        const urls = parseCounts(req.query);
        const threadKeys = urls.map((u) => threadKeyFromUrl(u, threadPolicy).key);
        return {
          key: `c${SEP}${JSON.stringify(urls)}`,
          load: async () => {
            const body: CountsResponse = { counts: await service.countThreads(urls) };
            return { body: Buffer.from(JSON.stringify(body)), threadKeys };
          },
          loaded: false,
        };
      });
      if (!parsed) return next();
      const entry = await entryOf(parsed);
      if (!entry) return next();
      sendJson(req, res, entry, cacheHeaders);
    },

    /**
     * The no-JavaScript page carries a fresh form token per request: the cached bytes hold a slot that the token is
     * spliced into at send. The page is no-store, so it gets no ETag and never a 304 (an old token would expire).
     */
    async threadPage(req, res, next) {
      const parsed = pageInput(req.originalUrl, () => {
        const view = threadPageView(req.query as Record<string, unknown>);
        // Pages that answer a reply link or a post's redirect are rare and personal: the normal handler renders them.
        if (view.replyTo !== undefined || view.posted !== undefined) throw new Error('not cached');
        const input = parseListThread({ ...view.sel, sort: view.sort, limit: String(THREAD_PAGE_SIZE), cursor: view.cursor });
        const ref = resolveThread(input, threadPolicy);
        return { view, input, ref, key: ['h', ref.key, ref.url ?? '', view.sort, view.cursor ?? ''].join(SEP) };
      });
      if (!parsed) return next();
      const { view, input, ref, key } = parsed;
      const entry = await cachedOrPass(cache, key, async () => {
        const thread = toThreadResponse(await service.listThread(input));
        const body = Buffer.from(threadPageHtml(thread, { token: TOKEN_SLOT, notifyReplies: service.issueFormToken(view.sel).notifyReplies }, view));
        const slot = body.indexOf(TOKEN_SLOT);
        // Not exactly one slot (never expected): the entry says so, and the normal handler renders every request.
        const once = slot >= 0 && body.indexOf(TOKEN_SLOT, slot + 1) < 0;
        return { body, threadKeys: [ref.key], meta: once ? slot : null };
      });
      const page = entry && renderPage(entry, view);
      if (!page) return next();
      res.statusCode = 200;
      for (const [name, value] of Object.entries(THREAD_PAGE_HEADERS)) res.setHeader(name, value);
      res.setHeader('Content-Length', page.length);
      endWithPage(res, page);
    },
  };
}
