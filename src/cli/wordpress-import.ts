/**
 * `import wordpress`: a WordPress export (WXR) read with a streaming XML parser (saxes), one item (article) at a time,
 * so memory holds one article's comments, never the file. Every `wp:comment` becomes a Parley comment with its
 * original date, nesting, author, email (keyed like a new comment's), URL and IP. Ids are derived from the site and the
 * WordPress comment id, so a second run (or the rest of an interrupted one) adds nothing twice.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Comment, CommentStatus } from '../domain/comment.js';
import type { AvatarMode } from '../domain/privacy.js';
import { threadKeyFromUrl } from '../domain/thread.js';
import type { Storage } from '../storage/storage.js';
import { importedComment } from './imported-comment.js';
import { ImportReport } from './import-report.js';
import { xmlFeed } from './xml-feed.js';
import { CommentBatch } from './comment-batch.js';

export interface UrlMap {
  from: string;
  to: string;
}

/** `old=new` pairs: article URLs starting with `old` start with `new` instead. */
export function parseMaps(values: readonly string[]): UrlMap[] {
  return values.map((v) => {
    const at = v.indexOf('=');
    if (at <= 0 || at === v.length - 1) throw new Error(`--map wants old=new (two URL prefixes), got "${v}".`);
    return { from: v.slice(0, at), to: v.slice(at + 1) };
  });
}

export function applyMaps(url: string, maps: readonly UrlMap[]): string {
  for (const m of maps) if (url.startsWith(m.from)) return m.to + url.slice(m.from.length);
  return url;
}

export interface WordpressImportOptions {
  secret: string;
  avatars: AvatarMode;
  maxDepth: number;
  allowedOrigins: readonly string[] | null;
  maps: readonly UrlMap[];
  /** Overrides the status every comment gets. */
  status: CommentStatus | null;
  touched?: Set<string>;
  onProgress?: (bytesRead: number, records: number) => void;
}

interface RawComment {
  line: number;
  fields: Map<string, string>;
}

interface RawItem {
  line: number;
  fields: Map<string, string>;
  comments: RawComment[];
}

const APPROVAL: Record<string, CommentStatus> = { '1': 'approved', approve: 'approved', '0': 'pending', hold: 'pending', spam: 'spam', trash: 'deleted', 'post-trashed': 'deleted' };

/** `2024-01-02 03:04:05` (WordPress's format, here in UTC) → Date; null for the zero date or anything else. */
function wpDate(value: string | undefined): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec((value ?? '').trim());
  if (!m || m[1] === '0000') return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}



export function wordpressCommentId(site: string, sourceId: string): string {
  return `wp-${createHash('sha256').update(`${site}\u0000${sourceId}`).digest('hex').slice(0, 32)}`;
}

export async function importWordpress(storage: Storage | null, input: Readable, options: WordpressImportOptions): Promise<ImportReport> {
  const report = new ImportReport();
  const feed = xmlFeed(report);
  const { parser } = feed;
  const path: string[] = [];
  let sawRss = false;
  let site = '';
  let item: RawItem | null = null;
  let comment: RawComment | null = null;
  let text: string | null = null;
  const ready: RawItem[] = [];
  let records = 0;
  const batch = storage ? new CommentBatch(storage, report, { skipReason: 'already_imported', touched: options.touched }) : null;

  parser.on('opentag', (tag) => {
    path.push(tag.name);
    if (path.length === 1) {
      sawRss = tag.name === 'rss';
      return;
    }
    if (tag.name === 'item' && path.length === 3) item = { line: parser.line, fields: new Map(), comments: [] };
    else if (tag.name === 'wp:comment' && item && path.length === 4) comment = { line: parser.line, fields: new Map() };
    else if ((comment && path.length === 5) || (item && !comment && path.length === 4) || (path.length === 3 && tag.name === 'wp:base_site_url')) text = '';
  });
  const addText = (t: string) => {
    if (text !== null) text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', (tag) => {
    const depth = path.length;
    path.pop();
    if (text !== null && depth >= 3) {
      if (comment && depth === 5) comment.fields.set(tag.name, text);
      else if (item && !comment && depth === 4) item.fields.set(tag.name, text);
      else if (depth === 3 && tag.name === 'wp:base_site_url') site = text.trim();
      text = null;
      return;
    }
    if (tag.name === 'wp:comment' && comment && item && depth === 4) {
      item.comments.push(comment);
      comment = null;
    } else if (tag.name === 'item' && item && depth === 3) {
      ready.push(item);
      item = null;
    }
  });

  const processItems = async () => {
    while (ready.length > 0) {
      const next = ready.shift()!;
      records += next.comments.length;
      await importItem(next);
    }
  };

  async function importItem(raw: RawItem): Promise<void> {
    if (raw.comments.length === 0) return;
    const label = `item at line ${raw.line}${raw.fields.get('wp:post_id') ? ` (post ${raw.fields.get('wp:post_id')!.trim()})` : ''}`;
    // The article's comments by WordPress id; parents are resolved within the article, in any order.
    const bySource = new Map<string, RawComment>();
    for (const c of raw.comments) {
      const type = (c.fields.get('wp:comment_type') ?? '').trim();
      if (type === 'pingback' || type === 'trackback') {
        report.skip(type);
        continue;
      }
      if (type !== '' && type !== 'comment') {
        report.skip(`comment_type ${type.slice(0, 40)}`);
        continue;
      }
      const id = (c.fields.get('wp:comment_id') ?? '').trim();
      if (id === '') {
        report.fail('missing_comment_id', `comment at line ${c.line} of ${label}`);
        continue;
      }
      bySource.set(id, c);
    }

    const link = (raw.fields.get('link') ?? '').trim();
    let threadKey: string;
    let threadUrl: string | null;
    try {
      if (link === '') throw new Error('no link');
      const ref = threadKeyFromUrl(applyMaps(link, options.maps), { allowedOrigins: options.allowedOrigins });
      threadKey = ref.key;
      threadUrl = ref.url;
    } catch (err) {
      const reason = link === '' ? 'comment_without_thread' : (err as { code?: string }).code === 'origin_not_allowed' ? 'origin_not_allowed' : 'invalid_thread_url';
      for (const c of bySource.values()) report.fail(reason, `comment at line ${c.line} of ${label}`);
      return;
    }

    const built = new Map<string, Comment | null>();
    const byId = new Map<string, Comment>();
    const lineOf = new Map<Comment, number>();
    const findBuilt = (id: string): Comment | null => byId.get(id) ?? null;
    // `visiting` holds the chain being built, so a parent loop in a broken file ends as missing_parent.
    const visiting = new Set<string>();
    const build = (sourceId: string): Comment | null => {
      if (built.has(sourceId)) return built.get(sourceId)!;
      const c = bySource.get(sourceId)!;
      const where = `comment ${sourceId} at line ${c.line}`;
      const fail = (reason: string): null => {
        report.fail(reason, where);
        built.set(sourceId, null);
        return null;
      };
      const parentSource = (c.fields.get('wp:comment_parent') ?? '0').trim();
      let parent: Comment | null = null;
      if (parentSource !== '' && parentSource !== '0') {
        if (!bySource.has(parentSource) || visiting.has(parentSource)) return fail('missing_parent');
        visiting.add(sourceId);
        parent = build(parentSource);
        visiting.delete(sourceId);
        if (!parent) return fail('missing_parent');
        // The service's depth cap: a reply below the deepest allowed level attaches to that level's comment.
        while (parent && parent.depth + 1 > options.maxDepth - 1 && parent.parentId) parent = findBuilt(parent.parentId);
      }
      const status = options.status ?? APPROVAL[(c.fields.get('wp:comment_approved') ?? '').trim()];
      if (!status) return fail('unknown_approval');
      const createdAt = wpDate(c.fields.get('wp:comment_date_gmt')) ?? wpDate(c.fields.get('wp:comment_date'));
      if (!createdAt) return fail('invalid_date');
      const id = wordpressCommentId(site, sourceId);
      const made = importedComment(
        {
          id,
          threadKey,
          parent,
          status,
          name: c.fields.get('wp:comment_author'),
          email: c.fields.get('wp:comment_author_email'),
          website: c.fields.get('wp:comment_author_url'),
          ip: c.fields.get('wp:comment_author_IP'),
          userAgent: c.fields.get('wp:comment_agent'),
          createdAt,
          contentHtml: c.fields.get('wp:comment_content') ?? '',
        },
        options,
      );
      if ('reason' in made) return fail(made.reason);
      const comment = made;
      built.set(sourceId, comment);
      byId.set(id, comment);
      lineOf.set(comment, c.line);
      return comment;
    };
    for (const sourceId of bySource.keys()) build(sourceId);

    const ok = [...built.values()].filter((c): c is Comment => c !== null);
    if (ok.length === 0) return;
    if (!storage || !batch) {
      report.imported += ok.length;
      return;
    }
    const first = ok.reduce((a, b) => (a.createdAt < b.createdAt ? a : b)).createdAt;
    try {
      await storage.ensureThread({ key: threadKey, url: threadUrl, now: first });
    } catch (err) {
      for (const c of ok) report.fail(`storage_error (${(err as { code?: string }).code ?? 'unknown'})`, `comment at line ${lineOf.get(c)}`);
      return;
    }
    // Batches span articles: many short articles still make few writes.
    for (const c of ok) await batch.add(c, `comment at line ${lineOf.get(c)}`);
  }

  const complete = await feed.read(input, {
    wrongFormat: () => path.length > 0 && !sawRss,
    wrongFormatCode: 'not_a_wordpress_export',
    afterChunk: processItems,
    onProgress: (bytes) => options.onProgress?.(bytes, records),
  });
  if (!complete) {
    await batch?.flush();
    return report;
  }
  // An article cut off by the end of the file: what was read of it is imported, its loss is reported above.
  if (item !== null) {
    const partial: RawItem = item;
    await importItem(partial);
  }
  await batch?.flush();
  if (!sawRss) report.fail('not_a_wordpress_export', 'line 1');
  return report;
}
