/**
 * Moderator accounts (issue 15): add, list, disable, enable, reset a password, and check a sign-in. Used by the CLI
 * (`moderators …`) and the admin API (admins only). Every change is audited; disabling an account or resetting its
 * password revokes its sessions in the same store call, and a session is refused anyway once its account is disabled.
 * Emails are normalised here and never reach a log line, an audit entry or an error message.
 */
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { AuditEntry } from '../domain/moderation.js';
import { moderatorActor, moderatorFieldProblems, normalizeModeratorEmail, type Moderator, type ModeratorRole } from '../domain/moderator.js';
import type { Storage } from '../storage/storage.js';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './password.js';

export interface ModeratorAccountsDeps {
  storage: Storage;
  clock: () => Date;
  newId: () => string;
}

export interface NewModerator {
  email: string;
  name: string;
  role: ModeratorRole;
  password: string;
}

export type SignInCheck = { ok: true; moderator: Moderator } | { ok: false; reason: 'unknown_account' | 'wrong_password' | 'disabled'; moderator?: Moderator };

export type ModeratorAccounts = ReturnType<typeof createModeratorAccounts>;

export function createModeratorAccounts({ storage, clock, newId }: ModeratorAccountsDeps) {
  const audit = (actor: string, action: AuditEntry['action'], reason: string | null) =>
    storage.appendAudit({ id: newId(), at: clock(), actor, action, commentId: null, threadKey: null, from: null, to: null, reason });

  const check = (input: Parameters<typeof moderatorFieldProblems>[0]) => {
    const problems = moderatorFieldProblems(input);
    if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  };

  async function mustGet(id: string): Promise<Moderator> {
    const m = await storage.getModerator(id);
    if (!m) throw new NotFoundError('not_found', 'No such moderator.');
    return m;
  }

  /** An account by id, or by its email (the CLI names accounts by email). */
  async function find(idOrEmail: string): Promise<Moderator> {
    const byEmail = idOrEmail.includes('@') ? await storage.findModeratorByEmail(normalizeModeratorEmail(idOrEmail)) : undefined;
    return byEmail ?? mustGet(idOrEmail);
  }

  /** The last enabled admin cannot be disabled or demoted: nobody could manage accounts afterwards. */
  async function assertNotLastAdmin(m: Moderator): Promise<void> {
    if (m.role !== 'admin' || m.disabled) return;
    const admins = (await storage.listModerators()).filter((x) => x.role === 'admin' && !x.disabled);
    if (admins.length <= 1) throw new ConflictError('conflict', 'This is the last enabled admin account: add or enable another admin first.');
  }

  return {
    async add(input: NewModerator, actor: string): Promise<Moderator> {
      check({ email: input.email, name: input.name, role: input.role, password: input.password });
      const now = clock();
      const m: Moderator = {
        id: newId(),
        email: normalizeModeratorEmail(input.email),
        name: input.name.trim(),
        role: input.role,
        disabled: false,
        passwordHash: await hashPassword(input.password),
        createdAt: now,
        updatedAt: now,
      };
      await storage.insertModerator(m);
      await audit(actor, 'moderator_add', `${moderatorActor(m)} as ${m.role}`);
      return m;
    },

    list: (): Promise<Moderator[]> => storage.listModerators(),

    find,

    get: mustGet,

    async setDisabled(id: string, disabled: boolean, actor: string): Promise<Moderator> {
      const m = await mustGet(id);
      if (disabled) await assertNotLastAdmin(m);
      const updated = await storage.updateModerator(id, { disabled, updatedAt: clock() }, { revokeSessions: disabled });
      if (!updated) throw new NotFoundError('not_found', 'No such moderator.');
      await audit(actor, disabled ? 'moderator_disable' : 'moderator_enable', moderatorActor(updated));
      return updated;
    },

    async resetPassword(id: string, password: string, actor: string): Promise<Moderator> {
      check({ password });
      await mustGet(id);
      const updated = await storage.updateModerator(id, { passwordHash: await hashPassword(password), updatedAt: clock() }, { revokeSessions: true });
      if (!updated) throw new NotFoundError('not_found', 'No such moderator.');
      await audit(actor, 'moderator_reset', moderatorActor(updated));
      return updated;
    },

    /**
     * Checks an email and password. The same scrypt work is done whether the account exists, is disabled or not, so
     * the time taken tells nothing. A hash made with older parameters is replaced on success.
     */
    async checkSignIn(email: string, password: string): Promise<SignInCheck> {
      const m = await storage.findModeratorByEmail(normalizeModeratorEmail(email));
      const matches = await verifyPassword(password, m ? m.passwordHash : await dummyHash());
      if (!m) return { ok: false, reason: 'unknown_account' };
      if (!matches) return { ok: false, reason: 'wrong_password', moderator: m };
      if (m.disabled) return { ok: false, reason: 'disabled', moderator: m };
      if (needsRehash(m.passwordHash)) await storage.updateModerator(m.id, { passwordHash: await hashPassword(password), updatedAt: clock() });
      return { ok: true, moderator: m };
    },

    audit,
  };
}
