/**
 * The moderator-accounts part of the storage port (src/storage/moderators-port.ts), on the contract's shared store:
 * every assertion is about this test's own accounts and sessions.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Moderator, ModeratorSession } from '../../src/domain/moderator.js';
import { AppError } from '../../src/domain/errors.js';
import type { Storage } from '../../src/storage/storage.js';
import { testId } from '../support/comment-factory.js';

export function describeModeratorsContract(store: () => Storage): void {
  describe('moderator accounts and sessions', () => {
    let storage: Storage;
    beforeAll(() => {
      storage = store();
    });

    const at = (s: string) => new Date(`2040-01-0${s}T00:00:00.000Z`);
    const moderator = (extra: Partial<Moderator> = {}): Moderator => ({
      id: testId('mod'),
      email: `${testId('m')}@example.org`.toLowerCase(),
      name: 'Maria Editor',
      role: 'moderator',
      disabled: false,
      passwordHash: 'scrypt$32768$8$1$c2FsdA$a2V5',
      createdAt: at('1'),
      updatedAt: at('1'),
      ...extra,
    });
    const session = (moderatorId: string, extra: Partial<ModeratorSession> = {}): ModeratorSession => ({
      idHash: testId('sess'),
      moderatorId,
      createdAt: at('2'),
      lastSeenAt: at('2'),
      expiresAt: at('3'),
      ...extra,
    });

    it('stores an account and finds it by id and by email, and lists accounts oldest first', async () => {
      const a = moderator({ createdAt: at('1'), role: 'admin' });
      const b = moderator({ createdAt: at('2') });
      await storage.insertModerator(b);
      await storage.insertModerator(a);
      expect(await storage.getModerator(a.id)).toEqual(a);
      expect(await storage.findModeratorByEmail(b.email)).toEqual(b);
      expect(await storage.findModeratorByEmail(b.email.toUpperCase())).toBeUndefined();
      expect(await storage.getModerator('nobody')).toBeUndefined();
      const ids = (await storage.listModerators()).map((m) => m.id);
      expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    });

    it('refuses a second account with the same email as a conflict', async () => {
      const a = moderator();
      await storage.insertModerator(a);
      const err = await storage.insertModerator(moderator({ email: a.email })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('conflict');
    });

    it('updates only the fields given, and revokes the sessions with the change when asked', async () => {
      const a = moderator();
      await storage.insertModerator(a);
      const s1 = session(a.id);
      const s2 = session(a.id);
      await storage.insertModeratorSession(s1);
      await storage.insertModeratorSession(s2);
      const renamed = await storage.updateModerator(a.id, { name: 'Maria E.', updatedAt: at('4') });
      expect(renamed).toEqual({ ...a, name: 'Maria E.', updatedAt: at('4') });
      expect(await storage.getModeratorSession(s1.idHash)).toEqual(s1);
      const disabled = await storage.updateModerator(a.id, { disabled: true, updatedAt: at('5') }, { revokeSessions: true });
      expect(disabled).toMatchObject({ disabled: true, name: 'Maria E.', role: 'moderator', passwordHash: a.passwordHash });
      expect(await storage.getModeratorSession(s1.idHash)).toBeUndefined();
      expect(await storage.getModeratorSession(s2.idHash)).toBeUndefined();
      expect(await storage.updateModerator('nobody', { disabled: true, updatedAt: at('5') })).toBeUndefined();
      const enabled = await storage.updateModerator(a.id, { disabled: false, role: 'admin', passwordHash: 'scrypt$new', updatedAt: at('6') });
      expect(enabled).toMatchObject({ disabled: false, role: 'admin', passwordHash: 'scrypt$new' });
    });

    it('keeps sessions by hash: touches move lastSeenAt forward only, deletes one or all of an account', async () => {
      const a = moderator();
      await storage.insertModerator(a);
      const s1 = session(a.id);
      const s2 = session(a.id);
      const other = session(testId('other-mod'));
      for (const s of [s1, s2, other]) await storage.insertModeratorSession(s);
      const later = new Date(at('2').getTime() + 60_000);
      await storage.touchModeratorSession(s1.idHash, later);
      await storage.touchModeratorSession(s1.idHash, at('1'));
      expect((await storage.getModeratorSession(s1.idHash))?.lastSeenAt).toEqual(later);
      expect(await storage.deleteModeratorSession(s1.idHash)).toBe(true);
      expect(await storage.deleteModeratorSession(s1.idHash)).toBe(false);
      expect(await storage.deleteModeratorSessions(a.id)).toBe(1);
      expect(await storage.getModeratorSession(s2.idHash)).toBeUndefined();
      expect(await storage.getModeratorSession(other.idHash)).toEqual(other);
    });

    it('prunes sessions past their absolute expiry or idle too long, and keeps live ones', async () => {
      const id = testId('prune-mod');
      const now = new Date('2041-05-01T12:00:00.000Z');
      const expired = session(id, { createdAt: new Date(now.getTime() - 10_000), lastSeenAt: now, expiresAt: now });
      const idle = session(id, { createdAt: new Date(now.getTime() - 10_000), lastSeenAt: new Date(now.getTime() - 5_000), expiresAt: new Date(now.getTime() + 10_000) });
      const live = session(id, { createdAt: new Date(now.getTime() - 10_000), lastSeenAt: new Date(now.getTime() - 1_000), expiresAt: new Date(now.getTime() + 10_000) });
      for (const s of [expired, idle, live]) await storage.insertModeratorSession(s);
      expect(await storage.pruneModeratorSessions({ now, idleBefore: new Date(now.getTime() - 2_000) })).toBeGreaterThanOrEqual(2);
      expect(await storage.getModeratorSession(expired.idHash)).toBeUndefined();
      expect(await storage.getModeratorSession(idle.idHash)).toBeUndefined();
      expect(await storage.getModeratorSession(live.idHash)).toEqual(live);
    });
  });
}
