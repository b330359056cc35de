/**
 * Cache-Control of the public reads (thread pages as JSON, counts). Browsers always revalidate (max-age=0, the ETag
 * makes that a 304); a CDN may serve its copy for CACHE_SHARED_MAX_AGE seconds. No invalidation reaches a CDN, so that
 * many seconds is how stale a read through one can be: keep it short.
 * No stale-while-revalidate: browsers honour it too, so a reader who posts and reloads would get the page from before
 * the post (seen in Chromium). A proxy can serve stale while it refreshes by its own setting (nginx below).
 */
export function publicReadCacheControl(sharedMaxAgeSeconds: number): string {
  if (sharedMaxAgeSeconds <= 0) return 'no-cache';
  return `public, max-age=0, s-maxage=${sharedMaxAgeSeconds}`;
}
