/**
 * The moderation-records part of the storage port (src/storage/moderation-port.ts: audit and bans), on the contract's
 * shared store: every assertion is about this test's own entries and bans.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditEntry, Ban } from '../../src/domain/moderation.js';
import type { Storage } from '../../src/storage/storage.js';
import { testId } from '../support/comment-factory.js';

export function describeModerationContract(store: () => Storage): void {
  describe('moderation records: audit and bans', () => {
    let storage: Storage;

    beforeAll(() => {
      storage = store();
    });

    it('appends audit entries and lists them newest first, per comment or overall', async () => {
      const commentId = testId('audited');
      const entry = (i: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
        id: `${String(i).padStart(3, '0')}-${testId('audit')}`,
        at: new Date(Date.parse('2050-01-01T00:00:00.000Z') + i * 1000),
        actor: 'alice',
        action: 'approve',
        commentId,
        threadKey: null,
        from: 'pending',
        to: 'approved',
        reason: i === 2 ? 'looks fine' : null,
        ...extra,
      });
      const entries = [entry(1), entry(2), entry(3, { action: 'spam', from: 'approved', to: 'spam' })];
      for (const e of entries) await storage.appendAudit(e);
      await storage.appendAudit(entry(4, { commentId: null, action: 'lock_thread', threadKey: 'k', from: null, to: null }));
      const page1 = await storage.listAudit({ commentId, cursor: null, limit: 2 });
      expect(page1.entries).toEqual([entries[2], entries[1]]);
      const page2 = await storage.listAudit({ commentId, cursor: page1.nextCursor, limit: 2 });
      expect(page2.entries).toEqual([entries[0]]);
      expect(page2.nextCursor).toBeNull();
      const overall = await storage.listAudit({ cursor: null, limit: 1 });
      expect(overall.entries[0]).toMatchObject({ action: 'lock_thread', commentId: null, threadKey: 'k' });
    });

    it('stores bans by hash, finds only active ones, and deletes them', async () => {
      const now = new Date('2030-06-01T00:00:00.000Z');
      const ban = (hash: string, expiresAt: Date | null, id = testId('ban')): Ban => ({
        id,
        kind: 'email',
        hash,
        prefix: null,
        reason: 'trolling',
        createdAt: now,
        expiresAt,
        actor: 'alice',
      });
      const h1 = testId('h');
      const h2 = testId('h');
      const active = ban(h1, null);
      const expired = ban(h2, new Date(now.getTime() - 1000));
      await storage.insertBan(active);
      await storage.insertBan(expired);
      expect(await storage.findActiveBan({ hashes: [h1, 'other'], now })).toEqual(active);
      expect(await storage.findActiveBan({ hashes: [h2], now })).toBeUndefined();
      expect(await storage.findActiveBan({ hashes: [h2], now: new Date(now.getTime() - 5000) })).toEqual(expired);
      expect((await storage.listBans()).map((b) => b.id)).toEqual(expect.arrayContaining([active.id, expired.id]));
      expect(await storage.deleteBan(active.id)).toBe(true);
      expect(await storage.deleteBan(active.id)).toBe(false);
      expect(await storage.findActiveBan({ hashes: [h1], now })).toBeUndefined();
    });

    it('keeps each ban kind and its prefix, and finds a ban among many hashes in one lookup', async () => {
      const now = new Date('2030-06-02T00:00:00.000Z');
      const make = (kind: Ban['kind'], prefix: number | null): Ban => ({
        id: testId('ban'),
        kind,
        hash: testId('h'),
        prefix,
        reason: null,
        createdAt: now,
        expiresAt: null,
        actor: 'alice',
      });
      const bans = [make('ip', 48), make('domain', null), make('email', null)];
      for (const b of bans) await storage.insertBan(b);
      for (const b of bans) {
        const decoys = Array.from({ length: 150 }, () => testId('decoy'));
        decoys.splice(75, 0, b.hash);
        expect(await storage.findActiveBan({ hashes: decoys, now })).toEqual(b);
      }
      expect(await storage.findActiveBan({ hashes: Array.from({ length: 150 }, () => testId('decoy')), now })).toBeUndefined();
      const listed = await storage.listBans();
      for (const b of bans) expect(listed.find((l) => l.id === b.id)).toEqual(b);
      for (const b of bans) await storage.deleteBan(b.id);
    });
  });
}
