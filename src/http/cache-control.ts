/**
 * Cache-Control of the public reads (thread pages as JSON, counts). Browsers always revalidate (max-age=0, the ETag
 * makes that a 304); a CDN may serve its copy for CACHE_SHARED_MAX_AGE seconds and a little longer while it refreshes.
 * No invalidation reaches a CDN, so that many seconds is how stale a read through one can be: keep it short.
 */
export const STALE_WHILE_REVALIDATE_SECONDS = 60;

export function publicReadCacheControl(sharedMaxAgeSeconds: number): string {
  if (sharedMaxAgeSeconds <= 0) return 'no-cache';
  return `public, max-age=0, s-maxage=${sharedMaxAgeSeconds}, stale-while-revalidate=${STALE_WHILE_REVALIDATE_SECONDS}`;
}
