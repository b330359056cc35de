/**
 * Comments on their way into the store, written a batch at a time (one transaction on SQLite, one insertMany on
 * MongoDB) instead of one storage call each. Every comment's thread must be stored before the batch is flushed.
 */
import type { Comment } from '../domain/comment.js';
import type { Storage } from '../storage/storage.js';
import type { ImportReport } from './import-report.js';

export const BATCH_SIZE = 500;

export class CommentBatch {
  private readonly pending: { comment: Comment; where: string }[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly report: ImportReport,
    /** `kind`: count the imported comments under this kind in the summary. */
    private readonly options: { skipReason: string; kind?: string; touched?: Set<string> | undefined; size?: number },
  ) {}

  /** `where` names the record in a failure (a line, a source id). */
  async add(comment: Comment, where: string): Promise<void> {
    this.pending.push({ comment, where });
    if (this.pending.length >= (this.options.size ?? BATCH_SIZE)) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    try {
      const inserted = new Set(await this.storage.restoreComments(batch.map((p) => p.comment)));
      for (const { comment } of batch) {
        if (inserted.has(comment.id)) {
          if (this.options.kind) this.report.count(this.options.kind);
          else this.report.imported += 1;
          this.options.touched?.add(comment.threadKey);
        } else {
          this.report.skip(this.options.skipReason);
        }
      }
    } catch (err) {
      const reason = `storage_error (${(err as { code?: string }).code ?? 'unknown'})`;
      for (const { where } of batch) this.report.fail(reason, where);
    }
  }
}
