/** The transfer part of the port (src/storage/transfer-port.ts), on the contract's shared store. */
import { describe, expect, it } from '@jest/globals';
import type { Comment } from '../../src/domain/comment.js';
import type { Ban } from '../../src/domain/moderation.js';
import type { Storage } from '../../src/storage/storage.js';
import { makeComment, testId, uniqueThreadKey } from '../support/comment-factory.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

export function describeTransferContract(store: () => Storage): void {
  describe('transfer (export and import)', () => {
    it('lists every comment once, by id in byte order, page after page', async () => {
      const threadKey = uniqueThreadKey('transfer');
      const mine = ['tr-b', 'tr-a', 'tr-é', 'tr-Z', 'tr-a0'].map((p) => makeComment({ threadKey, id: testId(p) }));
      for (const c of mine) await store().insertComment(c);
      const bytes = (s: string) => Buffer.from(s, 'utf8');
      const last = mine.map((c) => c.id).reduce((a, b) => (Buffer.compare(bytes(a), bytes(b)) > 0 ? a : b));
      /** The ids of the pages from `after` on, `limit` a page, until the store ends or `enough` holds. */
      const walk = async (after: string | null, limit: number, enough: (seen: string[]) => boolean = () => false) => {
        const seen: string[] = [];
        for (let pages = 0; pages < 10_000 && !enough(seen); pages += 1) {
          const page: Comment[] = await store().listAllComments({ after, limit });
          if (page.length === 0) break;
          seen.push(...page.map((c) => c.id));
          after = page[page.length - 1]!.id;
        }
        for (let i = 1; i < seen.length; i += 1) expect(Buffer.compare(bytes(seen[i - 1]!), bytes(seen[i]!))).toBe(-1);
        for (const c of mine) expect(seen.filter((id) => id === c.id)).toHaveLength(1);
        return seen;
      };
      // The whole shared store (some 2,000 comments once the other parts have run), 100 a page: 3 a page took 15 s on
      // FerretDB, whose $gt on _id scans.
      const all = await walk(null, 100);
      // Then 3 a page from just before this test's comments to past the last of them, so that pages end between them.
      const first = Math.min(...mine.map((c) => all.indexOf(c.id)));
      await walk(first > 0 ? all[first - 1]! : null, 3, (seen) => seen.some((id) => Buffer.compare(bytes(id), bytes(last)) > 0));
      const full = (await store().listAllComments({ after: null, limit: 1000 })).find((c) => c.id === mine[0]!.id);
      if (full) expect(full).toEqual(mine[0]);
    }, 120_000);

    it('lists every thread once, by key ascending', async () => {
      const keys = [uniqueThreadKey('tz'), uniqueThreadKey('ta')];
      for (const key of keys) await store().ensureThread({ key, url: key, now: at(0) });
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await store().listAllThreads({ after, limit: 2 });
        if (page.length === 0) break;
        seen.push(...page.map((t) => t.key));
        after = page[page.length - 1]!.key;
      }
      expect([...seen].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(seen);
      for (const key of keys) expect(seen.filter((k) => k === key)).toHaveLength(1);
    });

    it('restores a thread exactly once, keeping its dates and lock', async () => {
      const key = uniqueThreadKey('restored');
      const thread = { key, url: key, createdAt: at(5), locked: true, lastCommentAt: at(90) };
      await expect(store().restoreThread(thread)).resolves.toBe(true);
      await expect(store().restoreThread({ ...thread, locked: false })).resolves.toBe(false);
      await expect(store().getThread(key)).resolves.toEqual(thread);
      const empty = { key: `id:${testId('t')}`, url: null, createdAt: at(1), locked: false, lastCommentAt: null };
      await store().restoreThread(empty);
      await expect(store().getThread(empty.key)).resolves.toEqual(empty);
    });

    it('restores a ban exactly once', async () => {
      const ban: Ban = { id: testId('ban'), kind: 'ip', hash: 'h'.repeat(64), prefix: 24, reason: null, createdAt: at(3), expiresAt: at(99), actor: 'ops' };
      await expect(store().restoreBan(ban)).resolves.toBe(true);
      await expect(store().restoreBan({ ...ban, reason: 'other' })).resolves.toBe(false);
      expect((await store().listBans()).filter((b) => b.id === ban.id)).toEqual([ban]);
    });
  });
}
