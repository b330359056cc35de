/**
 * Pending notifications (src/storage/comments-port.ts PendingNotification): recorded by the insert or status move that
 * causes them, listed for the sweep once older than its bound, cleared entry by entry, never part of a comment read or
 * of an export. On the contract's shared store: every check looks at its own comments only.
 */
import { describe, expect, it } from '@jest/globals';
import type { PendingNotification, Storage } from '../../src/storage/storage.js';
import { makeComment, uniqueThreadKey } from '../support/comment-factory.js';

const T0 = Date.parse('2026-04-01T09:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const FAR = new Date('2100-01-01T00:00:00.000Z');

export function describePendingNotificationsContract(getStorage: () => Storage): void {
  describe('pending notifications', () => {
    /** The entries listed for this comment, with every entry recorded up to `before`. */
    async function pendingOf(id: string, before: Date = FAR): Promise<PendingNotification[] | undefined> {
      const listed = await getStorage().listPendingNotifications({ before, limit: 10_000 });
      return listed.find((p) => p.comment.id === id)?.pending;
    }

    async function stored(notify?: PendingNotification, status: 'approved' | 'pending' = 'approved') {
      const s = getStorage();
      const threadKey = uniqueThreadKey('notify');
      await s.ensureThread({ key: threadKey, url: threadKey, now: at(0) });
      const c = makeComment({ threadKey, status, createdAt: at(1) });
      await s.insertComment(c, notify ? { notify } : {});
      return c;
    }

    it('records an entry with the insert, and lists it once it is at or before the bound', async () => {
      const created: PendingNotification = { event: 'created', status: 'pending', at: at(1), subscribe: { lang: 'de' } };
      const c = await stored(created, 'pending');
      expect(await pendingOf(c.id)).toEqual([created]);
      expect(await pendingOf(c.id, at(1))).toEqual([created]);
      expect(await pendingOf(c.id, at(0.999))).toBeUndefined();
      const listed = (await getStorage().listPendingNotifications({ before: FAR, limit: 10_000 })).find((p) => p.comment.id === c.id);
      expect(listed?.comment).toEqual(c);
    });

    it('keeps a subscription without a language', async () => {
      const created: PendingNotification = { event: 'created', status: 'approved', at: at(1), subscribe: { lang: null } };
      const c = await stored(created);
      expect(await pendingOf(c.id)).toEqual([created]);
    });

    it('records nothing for an insert without an entry', async () => {
      const c = await stored();
      expect(await pendingOf(c.id)).toBeUndefined();
    });

    it('appends a status move entry with the move, oldest first, only when the move applies', async () => {
      const created: PendingNotification = { event: 'created', status: 'pending', at: at(1) };
      const c = await stored(created, 'pending');
      const approved: PendingNotification = { event: 'status', status: 'approved', at: at(5) };
      expect(await getStorage().updateComment(c.id, { status: 'approved' }, { ifStatus: 'spam', notify: approved })).toBeUndefined();
      expect(await pendingOf(c.id)).toEqual([created]);
      const moved = await getStorage().updateComment(c.id, { status: 'approved' }, { ifStatus: 'pending', notify: approved });
      expect(moved?.status).toBe('approved');
      expect(await pendingOf(c.id)).toEqual([created, approved]);
      expect(await pendingOf(c.id, at(2))).toEqual([created]);
      // An author's edit that moves the status records its own kind of entry.
      const edited: PendingNotification = { event: 'edited', status: 'pending', at: at(7) };
      await getStorage().updateComment(c.id, { status: 'pending', body: 'edited' }, { ifStatus: 'approved', notify: edited });
      expect(await pendingOf(c.id)).toEqual([created, approved, edited]);
    });

    it('clears the given entries only, then the comment is no longer listed', async () => {
      const created: PendingNotification = { event: 'created', status: 'pending', at: at(1) };
      const c = await stored(created, 'pending');
      const spam: PendingNotification = { event: 'status', status: 'spam', at: at(3) };
      await getStorage().updateComment(c.id, { status: 'spam' }, { notify: spam });
      await getStorage().clearNotifications(c.id, [{ ...created }]);
      expect(await pendingOf(c.id)).toEqual([spam]);
      // An entry already gone, another comment's id: nothing happens.
      await getStorage().clearNotifications(c.id, [created]);
      await getStorage().clearNotifications('no-such-comment', [spam]);
      expect(await pendingOf(c.id)).toEqual([spam]);
      await getStorage().clearNotifications(c.id, [spam]);
      expect(await pendingOf(c.id)).toBeUndefined();
      // A later move records afresh.
      const deleted: PendingNotification = { event: 'status', status: 'deleted', at: at(9) };
      await getStorage().updateComment(c.id, { status: 'deleted' }, { notify: deleted });
      expect(await pendingOf(c.id)).toEqual([deleted]);
    });

    it('never keeps a status move without its entry, even while another entry is being cleared', async () => {
      for (let round = 0; round < 5; round += 1) {
        const created: PendingNotification = { event: 'created', status: 'approved', at: at(1) };
        const c = await stored(created);
        const deleted: PendingNotification = { event: 'status', status: 'deleted', at: at(2) };
        await Promise.all([getStorage().clearNotifications(c.id, [created]), getStorage().updateComment(c.id, { status: 'deleted' }, { notify: deleted })]);
        // FerretDB v1 can lose one of two concurrent writes to a document whole (the move with its entry, README);
        // what must never happen is a move that stayed while its entry went. A created entry left over replays harmlessly.
        if ((await getStorage().getComment(c.id))?.status === 'deleted') expect(await pendingOf(c.id)).toContainEqual(deleted);
      }
    });

    it('leaves entries out of comment reads and of the whole-store export', async () => {
      const c = await stored({ event: 'created', status: 'approved', at: at(1) });
      expect(await getStorage().getComment(c.id)).toEqual(c);
      expect(await getStorage().getComments([c.id])).toEqual([c]);
      const before = c.id.slice(0, -1);
      const exported = (await getStorage().listAllComments({ after: before, limit: 1000 })).find((e) => e.id === c.id);
      expect(exported).toEqual(c);
      expect(Object.keys(exported!).sort()).toEqual(Object.keys(c).sort());
    });

    it('lists at most `limit` comments', async () => {
      for (let i = 0; i < 3; i += 1) await stored({ event: 'created', status: 'approved', at: at(1) });
      expect((await getStorage().listPendingNotifications({ before: FAR, limit: 2 })).length).toBe(2);
    });
  });
}
