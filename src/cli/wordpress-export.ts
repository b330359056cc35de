/**
 * `export wordpress`: the approved comments as a WordPress export (WXR 1.2) that Tools → Import → WordPress reads.
 * One item per thread (its URL as title and link), comments numbered from 1 in the file, replies pointing at their
 * parent when the parent is exported too (otherwise at the top level). Streamed thread by thread, page by page.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Storage, ThreadRecord } from '../storage/storage.js';

// XML 1.0 has no place for most control characters, even in CDATA.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const cdata = (s: string) => `<![CDATA[${s.replace(NOT_XML, '').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
const escapeXml = (s: string) =>
  s.replace(NOT_XML, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
const wpDate = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 19);

export async function exportWordpress(storage: Storage, out: Writable): Promise<{ threads: number; comments: number }> {
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(
    '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" ' +
      'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" ' +
      'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n' +
      '\t<title>Parley export</title>\n\t<wp:wxr_version>1.2</wp:wxr_version>\n',
  );
  let number = 0;
  let threadsOut = 0;
  let postId = 0;
  for (let after: string | null = null; ; ) {
    const page: ThreadRecord[] = await storage.listAllThreads({ after, limit: 200 });
    for (const thread of page) {
      // WordPress attaches comments to a post; a thread known only by an id has no article to point at.
      if (!thread.url) continue;
      const numbers = new Map<string, number>();
      let opened = false;
      for (let cursor = null as Parameters<Storage['listThread']>[0]['cursor']; ; ) {
        const p = await storage.listThread({ threadKey: thread.key, statuses: ['approved'], sort: 'oldest', cursor, limit: 200 });
        const comments = [...p.roots, ...p.replies].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
        for (const c of comments) {
          if (!opened) {
            postId += 1;
            const slug = new URL(thread.url).pathname.split('/').filter(Boolean).pop() ?? `parley-${postId}`;
            await write(
              `\t<item>\n\t\t<title>${escapeXml(thread.url)}</title>\n\t\t<link>${escapeXml(thread.url)}</link>\n` +
                `\t\t<wp:post_id>${postId}</wp:post_id>\n\t\t<wp:post_date_gmt>${wpDate(thread.createdAt)}</wp:post_date_gmt>\n` +
                `\t\t<wp:post_name>${cdata(decodeURIComponentSafe(slug))}</wp:post_name>\n\t\t<wp:status>publish</wp:status>\n` +
                `\t\t<wp:post_type>post</wp:post_type>\n\t\t<wp:comment_status>open</wp:comment_status>\n`,
            );
            opened = true;
            threadsOut += 1;
          }
          number += 1;
          numbers.set(c.id, number);
          const parent = c.parentId ? (numbers.get(c.parentId) ?? 0) : 0;
          await write(
            `\t\t<wp:comment>\n\t\t\t<wp:comment_id>${number}</wp:comment_id>\n` +
              `\t\t\t<wp:comment_author>${cdata(c.author.name)}</wp:comment_author>\n` +
              `\t\t\t<wp:comment_author_email>${cdata(c.author.email)}</wp:comment_author_email>\n` +
              `\t\t\t<wp:comment_author_url>${escapeXml(c.author.website ?? '')}</wp:comment_author_url>\n` +
              `\t\t\t<wp:comment_author_IP>${cdata(c.context.ip ?? '')}</wp:comment_author_IP>\n` +
              `\t\t\t<wp:comment_date>${wpDate(c.createdAt)}</wp:comment_date>\n` +
              `\t\t\t<wp:comment_date_gmt>${wpDate(c.createdAt)}</wp:comment_date_gmt>\n` +
              `\t\t\t<wp:comment_content>${cdata(c.html.trim())}</wp:comment_content>\n` +
              `\t\t\t<wp:comment_approved>1</wp:comment_approved>\n\t\t\t<wp:comment_type>comment</wp:comment_type>\n` +
              `\t\t\t<wp:comment_parent>${parent}</wp:comment_parent>\n\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n\t\t</wp:comment>\n`,
          );
        }
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      if (opened) await write('\t</item>\n');
    }
    if (page.length < 200) break;
    after = page[page.length - 1]!.key;
  }
  await write('</channel>\n</rss>\n');
  return { threads: threadsOut, comments: number };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
