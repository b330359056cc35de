/** Thread identity: the one place an article URL (or an explicit id) becomes the key comments are stored under. */
import { ForbiddenError, ValidationError } from './errors.js';

export interface ThreadPolicy {
  /** Origins such as `https://example.com`, already passed through `normalizeOrigin`; null allows any origin. */
  allowedOrigins: readonly string[] | null;
}

export interface ThreadRef {
  /** `id:<threadId>` for explicit ids, otherwise the canonical URL (always starting with `http`). */
  key: string;
  /** The article's canonical URL when known. */
  url: string | null;
}

const MAX_URL_LENGTH = 2048;
const MAX_ID_LENGTH = 200;
const ID_PREFIX = 'id:';
const TRACKING_PARAMS: ReadonlySet<string> = new Set(['fbclid', 'gclid', 'mc_cid', 'mc_eid', 'ref']);
// Lone surrogates are included because they cannot be stored as UTF-8.
const CONTROL_CHARS = /[\p{Cc}\p{Cs}]/u;

const invalidUrl = (message = 'The article URL must be an absolute http(s) URL.'): ValidationError =>
  new ValidationError({ url: 'invalid' }, message);

const isHttp = (url: URL): boolean => url.protocol === 'http:' || url.protocol === 'https:';

const isTrackingParam = (name: string): boolean => /^utm_/i.test(name) || TRACKING_PARAMS.has(name);

// Code-unit order, not localeCompare: the key must not depend on the server's locale.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function canonicalQuery(params: URLSearchParams): string {
  const kept = [...params].filter(([name]) => !isTrackingParam(name));
  kept.sort(([an, av], [bn, bv]) => compare(an, bn) || compare(av, bv));
  const query = new URLSearchParams(kept).toString();
  return query === '' ? '' : `?${query}`;
}

const UNRESERVED = /^[A-Za-z0-9._~-]$/;

function canonicalPath(pathname: string): string {
  // WHATWG URL keeps escapes as given. `/a/%61` is `/a/a`: an escaped unreserved character is that character
  // (RFC 3986 §6.2.2.2); `%c3%a9` and `%C3%A9` are the same octets (§6.2.2.1). Reserved ones (`%2F`) stay escaped.
  // (Segments that decode to `.`/`..` never get here: the URL parser already resolved `%2e` segments.)
  const normal = pathname.replace(/%([0-9a-f]{2})/gi, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
  return normal.replace(/\/+$/, '') || '/';
}

export function threadKeyFromUrl(raw: string, policy: ThreadPolicy): ThreadRef {
  const trimmed = typeof raw === 'string' ? raw.trim() : '';
  if (trimmed === '') throw invalidUrl();
  if (trimmed.length > MAX_URL_LENGTH) throw invalidUrl(`The article URL must be at most ${MAX_URL_LENGTH} characters.`);

  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw invalidUrl();
  }
  if (!isHttp(url) || url.hostname === '') throw invalidUrl();

  // Built from parts so credentials and fragment never enter the key; `host` already omits default ports.
  const key = `${url.protocol}//${url.host}${canonicalPath(url.pathname)}${canonicalQuery(url.searchParams)}`;
  // Percent-encoding can grow a URL; the key is stored and indexed, so it gets the same bound as the input.
  if (key.length > MAX_URL_LENGTH) throw invalidUrl(`The article URL must be at most ${MAX_URL_LENGTH} characters.`);

  if (policy.allowedOrigins !== null && !policy.allowedOrigins.includes(url.origin)) {
    throw new ForbiddenError('origin_not_allowed', 'Comments are not enabled for this site.');
  }
  return { key, url: key };
}

export function threadKeyFromId(raw: string): ThreadRef {
  const id = typeof raw === 'string' ? raw.trim() : '';
  if (id.length < 1 || id.length > MAX_ID_LENGTH || CONTROL_CHARS.test(id)) {
    throw new ValidationError(
      { threadId: 'invalid' },
      `The thread id must be 1 to ${MAX_ID_LENGTH} characters without control characters.`,
    );
  }
  return { key: `${ID_PREFIX}${id}`, url: null };
}

/** Blank strings count as absent, so an empty form field or `data-thread-id=""` falls back to the other input. */
const given = (value: string | undefined): value is string => typeof value === 'string' && value.trim() !== '';

export function resolveThread(
  input: { url?: string | undefined; threadId?: string | undefined },
  policy: ThreadPolicy,
): ThreadRef {
  const fromUrl = given(input.url) ? threadKeyFromUrl(input.url, policy) : null;
  if (given(input.threadId)) return { key: threadKeyFromId(input.threadId).key, url: fromUrl?.url ?? null };
  if (fromUrl !== null) return fromUrl;
  throw new ValidationError({ url: 'required' }, 'The article URL or a thread id is required.');
}

/** For config: `https://Example.com:443/` → `https://example.com`; null for anything that is not a bare http(s) origin. */
export function normalizeOrigin(raw: string): string | null {
  const trimmed = typeof raw === 'string' ? raw.trim() : '';
  // Checked on the raw text: a bare `?` or `#` leaves `search`/`hash` empty after parsing.
  if (trimmed === '' || /[?#]/.test(trimmed)) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (!isHttp(url) || url.hostname === '' || url.pathname !== '/') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.origin;
}
