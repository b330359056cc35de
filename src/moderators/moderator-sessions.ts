/**
 * Moderator sign-in sessions: a random id (256 bits) in an HttpOnly cookie, only its SHA-256 in the store. A session
 * ends at its absolute expiry (ADMIN_SESSION_HOURS after sign-in), after ADMIN_SESSION_IDLE_MINUTES without a
 * request, at sign-out, and when its account is disabled or its password reset (checked on every request, so the very
 * next request is refused). Every sign-in makes a new id and ends the session the browser presented (no fixation).
 * The CSRF token is an HMAC of the session id under the server secret: bound to the session, nothing more to store.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Moderator, ModeratorSession } from '../domain/moderator.js';
import type { Storage } from '../storage/storage.js';

export interface ModeratorSessionsDeps {
  storage: Storage;
  clock: () => Date;
  secret: string;
  idleMinutes: number;
  absoluteHours: number;
}

export interface SignedIn {
  /** The cookie value: shown once, never stored. */
  sessionId: string;
  csrfToken: string;
  session: ModeratorSession;
}

export interface ActiveSession {
  moderator: Moderator;
  session: ModeratorSession;
}

/** lastSeenAt is written at most this often, so a busy moderator costs no write per request. */
const TOUCH_EVERY_MS = 60_000;

export const sessionIdHash = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url');

export type ModeratorSessions = ReturnType<typeof createModeratorSessions>;

export function createModeratorSessions({ storage, clock, secret, idleMinutes, absoluteHours }: ModeratorSessionsDeps) {
  const idleMs = idleMinutes * 60_000;
  const absoluteMs = absoluteHours * 3_600_000;
  const csrfTokenOf = (sessionId: string) => createHmac('sha256', secret).update(`parley-admin-csrf\0${sessionId}`).digest('base64url');

  return {
    idleMs,
    absoluteMs,

    async signIn(moderator: Moderator, previousSessionId: string | undefined): Promise<SignedIn> {
      const now = clock();
      if (previousSessionId) await storage.deleteModeratorSession(sessionIdHash(previousSessionId));
      // Sign-ins are rare: a good moment to drop what has expired.
      await storage.pruneModeratorSessions({ now, idleBefore: new Date(now.getTime() - idleMs) });
      const sessionId = randomBytes(32).toString('base64url');
      const session: ModeratorSession = {
        idHash: sessionIdHash(sessionId),
        moderatorId: moderator.id,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + absoluteMs),
      };
      await storage.insertModeratorSession(session);
      return { sessionId, csrfToken: csrfTokenOf(sessionId), session };
    },

    /** The session and its account, or null when the session is unknown, expired, idle too long or its account disabled. */
    async resolve(sessionId: string): Promise<ActiveSession | null> {
      const idHash = sessionIdHash(sessionId);
      const session = await storage.getModeratorSession(idHash);
      if (!session) return null;
      const now = clock().getTime();
      if (now >= session.expiresAt.getTime() || now - session.lastSeenAt.getTime() >= idleMs) {
        await storage.deleteModeratorSession(idHash);
        return null;
      }
      const moderator = await storage.getModerator(session.moderatorId);
      if (!moderator || moderator.disabled) {
        await storage.deleteModeratorSession(idHash);
        return null;
      }
      if (now - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await storage.touchModeratorSession(idHash, new Date(now));
      return { moderator, session };
    },

    async signOut(sessionId: string): Promise<boolean> {
      return storage.deleteModeratorSession(sessionIdHash(sessionId));
    },

    csrfTokenOf,

    csrfTokenMatches(sessionId: string, presented: string | undefined): boolean {
      if (presented === undefined) return false;
      const expected = Buffer.from(csrfTokenOf(sessionId));
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
