/**
 * `import wordpress`: a WordPress export (WXR) read with a streaming XML parser (saxes), one comment at a time. Memory
 * holds the article's map of placed comment ids (for parents), the replies whose parent has not come yet, and a batch
 * of comments on their way to the store; never the file, nor an article's comments. Every `wp:comment` becomes a
 * Parley comment with its original date, nesting, author, email (keyed like a new comment's), URL and IP. Ids are
 * derived from the site and the WordPress comment id, so a second run (or the rest of an interrupted one) adds nothing
 * twice.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { CommentStatus } from '../domain/comment.js';
import type { AvatarMode } from '../domain/privacy.js';
import { threadKeyFromUrl } from '../domain/thread.js';
import type { Storage } from '../storage/storage.js';
import { importedComment, type ParentRef } from './imported-comment.js';
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

/** A comment placed in its thread: what its replies attach to, and its WordPress parent for the depth cap. */
interface Placed extends ParentRef {
  parentSource: string;
}

interface RawItem {
  line: number;
  fields: Map<string, string>;
  /** The thread, once the first comment needed it; a reason when the article has none usable. */
  thread: { key: string; url: string | null; stored: boolean } | { reason: string } | null;
  /** Comments read before the item's link (WordPress writes the link first; a file edited by hand may not). */
  early: RawComment[];
  /** WordPress id → placed comment, or null when it was skipped or failed (its replies fail as missing_parent). */
  placed: Map<string, Placed | null>;
  /** Replies waiting for a parent that comes later in the article, by the parent's WordPress id. */
  waiting: Map<string, RawComment[]>;
}

type Event = { kind: 'comment'; item: RawItem; comment: RawComment } | { kind: 'end'; item: RawItem };

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
  const ready: Event[] = [];
  let records = 0;
  const batch = storage ? new CommentBatch(storage, report, { skipReason: 'already_imported', touched: options.touched }) : null;

  parser.on('opentag', (tag) => {
    path.push(tag.name);
    if (path.length === 1) {
      sawRss = tag.name === 'rss';
      return;
    }
    if (tag.name === 'item' && path.length === 3) item = { line: parser.line, fields: new Map(), thread: null, early: [], placed: new Map(), waiting: new Map() };
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
      ready.push({ kind: 'comment', item, comment });
      comment = null;
    } else if (tag.name === 'item' && item && depth === 3) {
      ready.push({ kind: 'end', item });
      item = null;
    }
  });

  const labelOf = (raw: RawItem) => `item at line ${raw.line}${raw.fields.get('wp:post_id') ? ` (post ${raw.fields.get('wp:post_id')!.trim()})` : ''}`;

  /** The article's thread, resolved once; null while its link may still come. */
  function threadOf(raw: RawItem, ended: boolean): RawItem['thread'] {
    if (raw.thread) return raw.thread;
    const link = (raw.fields.get('link') ?? '').trim();
    if (link === '' && !ended) return null;
    try {
      if (link === '') throw new Error('no link');
      const ref = threadKeyFromUrl(applyMaps(link, options.maps), { allowedOrigins: options.allowedOrigins });
      raw.thread = { key: ref.key, url: ref.url, stored: false };
    } catch (err) {
      raw.thread = { reason: link === '' ? 'comment_without_thread' : (err as { code?: string }).code === 'origin_not_allowed' ? 'origin_not_allowed' : 'invalid_thread_url' };
    }
    return raw.thread;
  }

  async function addComment(raw: RawItem, c: RawComment, ended: boolean): Promise<void> {
    const type = (c.fields.get('wp:comment_type') ?? '').trim();
    const id = (c.fields.get('wp:comment_id') ?? '').trim();
    const skip = async (reason: string) => {
      report.skip(reason);
      await settle(raw, id, null, ended);
    };
    if (type === 'pingback' || type === 'trackback') return skip(type);
    if (type !== '' && type !== 'comment') return skip(`comment_type ${type.slice(0, 40)}`);
    if (id === '') return report.fail('missing_comment_id', `comment at line ${c.line} of ${labelOf(raw)}`);
    const where = `comment ${id} at line ${c.line}`;
    const fail = async (reason: string) => {
      report.fail(reason, where);
      await settle(raw, id, null, ended);
    };
    const thread = threadOf(raw, ended);
    if (thread === null) {
      raw.early.push(c);
      return;
    }
    if ('reason' in thread) {
      report.fail(thread.reason, `comment at line ${c.line} of ${labelOf(raw)}`);
      return settle(raw, id, null, ended);
    }
    if (raw.placed.has(id)) return fail('duplicate_comment_id');

    const parentSource = (c.fields.get('wp:comment_parent') ?? '0').trim();
    let parent: Placed | null = null;
    let answered: string | undefined;
    if (parentSource !== '' && parentSource !== '0') {
      if (!raw.placed.has(parentSource)) {
        // Its parent may come later in the article: it places this reply when it is placed.
        const list = raw.waiting.get(parentSource) ?? [];
        list.push(c);
        raw.waiting.set(parentSource, list);
        return;
      }
      parent = raw.placed.get(parentSource)!;
      if (!parent) return fail('missing_parent');
      answered = parent.id;
      // The service's depth cap: a reply below the deepest allowed level attaches to that level's comment.
      while (parent.depth + 1 > options.maxDepth - 1 && parent.parentSource !== '') parent = raw.placed.get(parent.parentSource)!;
    }
    const status = options.status ?? APPROVAL[(c.fields.get('wp:comment_approved') ?? '').trim()];
    if (!status) return fail('unknown_approval');
    const createdAt = wpDate(c.fields.get('wp:comment_date_gmt')) ?? wpDate(c.fields.get('wp:comment_date'));
    if (!createdAt) return fail('invalid_date');
    const made = importedComment(
      {
        id: wordpressCommentId(site, id),
        threadKey: thread.key,
        parent,
        answered,
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
    if (!storage || !batch) {
      report.imported += 1;
    } else {
      if (!thread.stored) {
        try {
          // The article's publication date when the export has it, else its first comment's.
          const now = wpDate(raw.fields.get('wp:post_date_gmt')) ?? wpDate(raw.fields.get('wp:post_date')) ?? createdAt;
          await storage.ensureThread({ key: thread.key, url: thread.url, now: now < createdAt ? now : createdAt });
          thread.stored = true;
        } catch (err) {
          return fail(`storage_error (${(err as { code?: string }).code ?? 'unknown'})`);
        }
      }
      await batch.add(made, where);
    }
    const parentRef = parent;
    await settle(raw, id, { id: made.id, rootId: made.rootId, depth: made.depth, parentSource: parentRef ? parentSource : '' }, ended);
  }

  /** Records where a comment went (null: nowhere) and places the replies that were waiting for it. */
  async function settle(raw: RawItem, id: string, placed: Placed | null, ended: boolean): Promise<void> {
    if (id === '') return;
    if (!raw.placed.has(id)) raw.placed.set(id, placed);
    const children = raw.waiting.get(id);
    if (!children) return;
    raw.waiting.delete(id);
    for (const child of children) await addComment(raw, child, ended);
  }

  async function endItem(raw: RawItem): Promise<void> {
    const early = raw.early.splice(0);
    for (const c of early) await addComment(raw, c, true);
    // Left waiting: their parent is not in the article (or they form a loop).
    for (const list of raw.waiting.values()) {
      for (const c of list) report.fail('missing_parent', `comment ${(c.fields.get('wp:comment_id') ?? '').trim()} at line ${c.line}`);
    }
    raw.waiting.clear();
    raw.placed.clear();
  }

  const processReady = async () => {
    while (ready.length > 0) {
      const next = ready.shift()!;
      if (next.kind === 'end') {
        await endItem(next.item);
        continue;
      }
      records += 1;
      await addComment(next.item, next.comment, false);
    }
  };

  const complete = await feed.read(input, {
    wrongFormat: () => path.length > 0 && !sawRss,
    wrongFormatCode: 'not_a_wordpress_export',
    afterChunk: processReady,
    onProgress: (bytes) => options.onProgress?.(bytes, records),
  });
  if (complete && item !== null) {
    // An article cut off by the end of the file: what was read of it is imported, its loss is reported above.
    await endItem(item);
  }
  await batch?.flush();
  if (complete && !sawRss) report.fail('not_a_wordpress_export', 'line 1');
  return report;
}
