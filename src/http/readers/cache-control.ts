/**
 * Caching headers of the public reads (thread pages as JSON, counts). Browsers always revalidate (max-age=0, the ETag
 * makes that a 304); a CDN may serve its copy for CACHE_SHARED_MAX_AGE seconds. No invalidation reaches a CDN, so that
 * many seconds is how stale a read through one can be: keep it short.
 * stale-while-revalidate goes to CDNs only, in the headers aimed at them (RFC 9213 CDN-Cache-Control, which
 * Cloudflare and Akamai read; Surrogate-Control, which Fastly reads and strips): browsers honour it in Cache-Control
 * too, so a reader who posts and reloads would get the page from before the post (seen in Chromium).
 */
export type CacheHeaders = ReadonlyArray<readonly [string, string]>;

export function publicReadCacheControl(sharedMaxAgeSeconds: number): string {
  if (sharedMaxAgeSeconds <= 0) return 'no-cache';
  return `public, max-age=0, s-maxage=${sharedMaxAgeSeconds}`;
}

/** Cache-Control, then (with a shared max-age and a stale window) CDN-Cache-Control and Surrogate-Control. */
export function publicReadCacheHeaders(sharedMaxAgeSeconds: number, cdnStaleSeconds = 0): CacheHeaders {
  const headers: Array<readonly [string, string]> = [['Cache-Control', publicReadCacheControl(sharedMaxAgeSeconds)]];
  if (sharedMaxAgeSeconds > 0 && cdnStaleSeconds > 0) {
    const cdn = `max-age=${sharedMaxAgeSeconds}, stale-while-revalidate=${cdnStaleSeconds}`;
    headers.push(['CDN-Cache-Control', cdn], ['Surrogate-Control', cdn]);
  }
  return headers;
}

/** The headers when none are given: every reader asks again. */
export const NO_CACHE_HEADERS: CacheHeaders = [['Cache-Control', 'no-cache']];
