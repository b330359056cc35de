/**
 * `import disqus`: a Disqus export (Admin → Export) read with saxes, one record at a time. Threads come first in the
 * file and are kept as a small map (Disqus id → thread key); each post is imported when its end tag is read. A reply
 * whose parent has not been seen yet waits until the end of the file. Ids derive from the Disqus post id, so a second
 * run adds nothing.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { CommentStatus } from '../domain/comment.js';
import { resolveThread } from '../domain/thread.js';
import type { Storage } from '../storage/storage.js';
import { importedComment, type ParentRef } from './imported-comment.js';
import { ImportReport } from './import-report.js';
import { xmlFeed } from './xml-feed.js';
import { CommentBatch } from './comment-batch.js';
import { applyMaps, type WordpressImportOptions } from './wordpress-import.js';

/** The WordPress importer's options, and how threads are keyed. */
export interface DisqusImportOptions extends WordpressImportOptions {
  /** Key threads by their link only, ignoring Disqus identifiers. */
  byLink: boolean;
}

interface Rec {
  line: number;
  dsqId: string;
  fields: Map<string, string>;
  threadRef: string;
  parentRef: string;
}

interface Placed extends ParentRef {
  parentDsq: string;
}

export function disqusCommentId(dsqId: string): string {
  return `dq-${createHash('sha256').update(`disqus\u0000${dsqId}`).digest('hex').slice(0, 32)}`;
}

export async function importDisqus(storage: Storage | null, input: Readable, options: DisqusImportOptions): Promise<ImportReport> {
  const report = new ImportReport();
  const feed = xmlFeed(report);
  const { parser } = feed;
  const path: string[] = [];
  let sawRoot = false;
  let rec: Rec | null = null;
  let kind: 'thread' | 'post' | null = null;
  let text: string | null = null;
  const ready: { kind: 'thread' | 'post'; rec: Rec }[] = [];
  const threads = new Map<string, { key: string; url: string | null; createdAt: Date | null } | { reason: string }>();
  const ensured = new Set<string>();
  const placed = new Map<string, Placed>();
  const waiting = new Map<string, Rec[]>();
  let records = 0;
  const batch = storage ? new CommentBatch(storage, report, { skipReason: 'already_imported', touched: options.touched }) : null;

  parser.on('opentag', (tag) => {
    path.push(tag.name);
    const depth = path.length;
    if (depth === 1) {
      sawRoot = tag.name === 'disqus';
      return;
    }
    const dsq = String(tag.attributes['dsq:id'] ?? '');
    if (depth === 2 && (tag.name === 'thread' || tag.name === 'post')) {
      kind = tag.name;
      rec = { line: parser.line, dsqId: dsq, fields: new Map(), threadRef: '', parentRef: '' };
    } else if (rec && depth === 3) {
      if (kind === 'post' && tag.name === 'thread') rec.threadRef = dsq;
      else if (kind === 'post' && tag.name === 'parent') rec.parentRef = dsq;
      else text = '';
    } else if (rec && depth === 4 && path[2] === 'author') {
      text = '';
    }
  });
  const addText = (t: string) => {
    if (text !== null) text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', (tag) => {
    const depth = path.length;
    path.pop();
    if (text !== null && rec) {
      rec.fields.set(depth === 4 ? `author.${tag.name}` : tag.name, text);
      text = null;
      return;
    }
    if (depth === 2 && rec && kind) {
      ready.push({ kind, rec });
      rec = null;
      kind = null;
    }
  });

  const where = (r: Rec) => `post ${r.dsqId || '?'} at line ${r.line}`;

  function addThread(r: Rec): void {
    const link = (r.fields.get('link') ?? '').trim();
    const identifier = options.byLink ? '' : (r.fields.get('id') ?? '').trim();
    const created = new Date((r.fields.get('createdAt') ?? '').trim());
    try {
      const ref = resolveThread({ url: link === '' ? undefined : applyMaps(link, options.maps), threadId: identifier || undefined }, { allowedOrigins: options.allowedOrigins });
      threads.set(r.dsqId, { key: ref.key, url: ref.url, createdAt: Number.isNaN(created.getTime()) ? null : created });
    } catch (err) {
      const code = (err as { code?: string }).code;
      threads.set(r.dsqId, { reason: code === 'origin_not_allowed' ? 'origin_not_allowed' : link === '' && !identifier ? 'comment_without_thread' : 'invalid_thread_url' });
    }
  }

  async function addPost(r: Rec): Promise<void> {
    if (r.dsqId === '') return report.fail('missing_post_id', where(r));
    const thread = threads.get(r.threadRef);
    if (!thread) return report.fail('comment_without_thread', where(r));
    if ('reason' in thread) return report.fail(thread.reason, where(r));
    let parent: Placed | null = null;
    let answered: string | undefined;
    if (r.parentRef !== '') {
      parent = placed.get(r.parentRef) ?? null;
      if (!parent) {
        // Its parent may still come: wait for it (it places this post when it is imported).
        const list = waiting.get(r.parentRef) ?? [];
        list.push(r);
        waiting.set(r.parentRef, list);
        return;
      }
      answered = parent.id;
      // The service's depth cap: a reply below the deepest allowed level attaches to that level's comment.
      while (parent && parent.depth + 1 > options.maxDepth - 1 && parent.parentDsq) parent = placed.get(parent.parentDsq) ?? null;
    }
    const deleted = (r.fields.get('isDeleted') ?? '').trim() === 'true';
    const spam = (r.fields.get('isSpam') ?? '').trim() === 'true';
    const status: CommentStatus = options.status ?? (spam ? 'spam' : deleted ? 'deleted' : 'approved');
    const createdAt = new Date((r.fields.get('createdAt') ?? '').trim());
    if (Number.isNaN(createdAt.getTime())) return report.fail('invalid_date', where(r));
    const made = importedComment(
      {
        id: disqusCommentId(r.dsqId),
        threadKey: thread.key,
        parent,
        answered,
        status,
        name: r.fields.get('author.name') || r.fields.get('author.username'),
        email: r.fields.get('author.email'),
        website: undefined,
        ip: r.fields.get('ipAddress'),
        userAgent: undefined,
        createdAt,
        contentHtml: r.fields.get('message') ?? '',
      },
      options,
    );
    if ('reason' in made) return report.fail(made.reason, where(r));
    placed.set(r.dsqId, { id: made.id, rootId: made.rootId, depth: made.depth, parentDsq: parent ? r.parentRef : '' });
    if (!storage || !batch) {
      report.imported += 1;
    } else {
      try {
        if (!ensured.has(thread.key)) {
          await storage.ensureThread({ key: thread.key, url: thread.url, now: thread.createdAt ?? createdAt });
          ensured.add(thread.key);
        }
        await batch.add(made, where(r));
      } catch (err) {
        report.fail(`storage_error (${(err as { code?: string }).code ?? 'unknown'})`, where(r));
      }
    }
    const children = waiting.get(r.dsqId);
    if (children) {
      waiting.delete(r.dsqId);
      for (const child of children) await addPost(child);
    }
  }

  const processReady = async () => {
    while (ready.length > 0) {
      const next = ready.shift()!;
      if (next.kind === 'thread') addThread(next.rec);
      else {
        records += 1;
        await addPost(next.rec);
      }
    }
  };

  const complete = await feed.read(input, {
    wrongFormat: () => path.length > 0 && !sawRoot,
    wrongFormatCode: 'not_a_disqus_export',
    afterChunk: processReady,
    onProgress: (bytes) => options.onProgress?.(bytes, records),
  });
  await batch?.flush();
  if (!complete) return report;
  for (const list of waiting.values()) for (const r of list) report.fail('missing_parent', where(r));
  if (!sawRoot) report.fail('not_a_disqus_export', 'line 1');
  return report;
}
