/**
 * The MongoDB side of the moderator-accounts port (../moderators-port.ts): accounts (unique email) and their sessions.
 * Plain inserts, finds and updates (FerretDB v1). Schemas live here, as the outbox's do; models.ts binds them.
 */
import mongoose, { Schema, type Model } from 'mongoose';
import { ConflictError } from '../../domain/errors.js';
import { MODERATOR_ROLES, type Moderator, type ModeratorSession } from '../../domain/moderator.js';
import type { ModeratorsPort } from '../moderators-port.js';
import { guarded, isDuplicateKey } from './mongo-errors.js';

const { trusted } = mongoose;

export interface ModeratorDoc {
  _id: string;
  email: string;
  name: string;
  role: Moderator['role'];
  disabled: boolean;
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ModeratorSessionDoc {
  /** The SHA-256 of the session id. */
  _id: string;
  moderatorId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

const options = { versionKey: false, strict: 'throw', strictQuery: 'throw', autoIndex: false, autoCreate: false } as const;

export const moderatorSchema = new Schema<ModeratorDoc>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    name: { type: String },
    role: { type: String, enum: MODERATOR_ROLES, required: true },
    disabled: { type: Boolean, default: false },
    passwordHash: { type: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...options, collection: 'moderators' },
);
moderatorSchema.index({ email: 1 }, { name: 'moderator_email', unique: true });
moderatorSchema.index({ createdAt: 1, _id: 1 }, { name: 'moderators_created' });

export const moderatorSessionSchema = new Schema<ModeratorSessionDoc>(
  {
    _id: { type: String, required: true },
    moderatorId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { ...options, collection: 'moderator_sessions' },
);
moderatorSessionSchema.index({ moderatorId: 1 }, { name: 'moderator_sessions_moderator' });
moderatorSessionSchema.index({ expiresAt: 1 }, { name: 'moderator_sessions_expiry' });
moderatorSessionSchema.index({ lastSeenAt: 1 }, { name: 'moderator_sessions_idle' });

export const toModerator = (d: ModeratorDoc): Moderator => ({
  id: d._id,
  email: d.email,
  name: d.name,
  role: d.role,
  disabled: d.disabled === true,
  passwordHash: d.passwordHash,
  createdAt: new Date(d.createdAt),
  updatedAt: new Date(d.updatedAt),
});

const toSession = (d: ModeratorSessionDoc): ModeratorSession => ({
  idHash: d._id,
  moderatorId: d.moderatorId,
  createdAt: new Date(d.createdAt),
  lastSeenAt: new Date(d.lastSeenAt),
  expiresAt: new Date(d.expiresAt),
});

/** Strings only reach a filter: sanitizeFilter already wraps `$`-objects, this refuses other shapes early. */
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));

export function mongoModerators(moderators: Model<ModeratorDoc>, sessions: Model<ModeratorSessionDoc>): ModeratorsPort {
  return {
    insertModerator: (m) =>
      guarded(async () => {
        try {
          await moderators.create({
            _id: m.id,
            email: m.email,
            name: m.name,
            role: m.role,
            disabled: m.disabled,
            passwordHash: m.passwordHash,
            createdAt: m.createdAt,
            updatedAt: m.updatedAt,
          });
        } catch (err) {
          if (isDuplicateKey(err)) throw new ConflictError('conflict', 'A moderator with this email already exists.');
          throw err;
        }
      }),
    getModerator: (id) =>
      guarded(async () => {
        const d = await moderators.findOne({ _id: str(id) }).lean<ModeratorDoc>();
        return d ? toModerator(d) : undefined;
      }),
    findModeratorByEmail: (email) =>
      guarded(async () => {
        const d = await moderators.findOne({ email: str(email) }).lean<ModeratorDoc>();
        return d ? toModerator(d) : undefined;
      }),
    listModerators: () => guarded(async () => (await moderators.find({}).sort({ createdAt: 1, _id: 1 }).lean<ModeratorDoc[]>()).map(toModerator)),
    updateModerator: (id, patch, opts = {}) =>
      guarded(async () => {
        const set: Partial<ModeratorDoc> = { updatedAt: patch.updatedAt };
        if (patch.name !== undefined) set.name = patch.name;
        if (patch.role !== undefined) set.role = patch.role;
        if (patch.disabled !== undefined) set.disabled = patch.disabled;
        if (patch.passwordHash !== undefined) set.passwordHash = patch.passwordHash;
        const res = await moderators.updateOne({ _id: str(id) }, { $set: set });
        if (res.matchedCount === 0) return undefined;
        // No transactions on FerretDB: the sessions go right after; a crash between leaves sessions that the
        // service refuses anyway (a disabled account), or that a reset left (they expire on their own).
        if (opts.revokeSessions) await sessions.deleteMany({ moderatorId: str(id) });
        const d = await moderators.findOne({ _id: str(id) }).lean<ModeratorDoc>();
        return d ? toModerator(d) : undefined;
      }),
    insertModeratorSession: (s) =>
      guarded(async () => {
        await sessions.create({ _id: s.idHash, moderatorId: s.moderatorId, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt });
      }),
    getModeratorSession: (idHash) =>
      guarded(async () => {
        const d = await sessions.findOne({ _id: str(idHash) }).lean<ModeratorSessionDoc>();
        return d ? toSession(d) : undefined;
      }),
    touchModeratorSession: (idHash, lastSeenAt) =>
      guarded(async () => {
        await sessions.updateOne({ _id: str(idHash), lastSeenAt: trusted({ $lt: lastSeenAt }) }, { $set: { lastSeenAt } });
      }),
    deleteModeratorSession: (idHash) => guarded(async () => (await sessions.deleteOne({ _id: str(idHash) })).deletedCount > 0),
    deleteModeratorSessions: (moderatorId) => guarded(async () => (await sessions.deleteMany({ moderatorId: str(moderatorId) })).deletedCount),
    pruneModeratorSessions: ({ now, idleBefore }) =>
      guarded(async () => {
        const expired = (await sessions.deleteMany({ expiresAt: trusted({ $lte: now }) })).deletedCount;
        const idle = (await sessions.deleteMany({ lastSeenAt: trusted({ $lt: idleBefore }) })).deletedCount;
        return expired + idle;
      }),
  };
}
