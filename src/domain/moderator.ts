/** Moderator accounts and their sign-in sessions: the records, the roles and the rules on their fields (no I/O). */

export const MODERATOR_ROLES = ['admin', 'moderator'] as const;
/** A moderator moderates; an admin also manages moderators, bans and settings. */
export type ModeratorRole = (typeof MODERATOR_ROLES)[number];

export interface Moderator {
  /** Service-generated (ULID). */
  id: string;
  /** Normalised (trimmed, lower case). Private: never in a public response, a log line or an error message. */
  email: string;
  /** Shown in the audit log and on the moderator's replies. */
  name: string;
  role: ModeratorRole;
  disabled: boolean;
  /** The password's KDF string (see moderators/password.ts). */
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ModeratorPatch {
  name?: string;
  role?: ModeratorRole;
  disabled?: boolean;
  passwordHash?: string;
  updatedAt: Date;
}

/** A signed-in browser. The session id itself is only in the cookie; the store keeps its SHA-256. */
export interface ModeratorSession {
  idHash: string;
  moderatorId: string;
  createdAt: Date;
  /** Last request seen (updated at most once a minute): the idle expiry counts from here. */
  lastSeenAt: Date;
  /** The absolute expiry: createdAt + ADMIN_SESSION_HOURS. */
  expiresAt: Date;
}

export const MODERATOR_NAME_MAX = 64;
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;

export function normalizeModeratorEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isModeratorEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/.test(email);
}

/** Problems with an account's fields, per field (`required`, `invalid`, `too_long`, `too_short`); empty when fine. */
export function moderatorFieldProblems(input: { email?: string; name?: string; role?: string; password?: string }): Record<string, string> {
  const problems: Record<string, string> = {};
  if (input.email !== undefined && !isModeratorEmail(normalizeModeratorEmail(input.email))) problems.email = 'invalid';
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '') problems.name = 'required';
    else if (name.length > MODERATOR_NAME_MAX) problems.name = 'too_long';
    else if (/[\u0000-\u001f\u007f]/.test(name)) problems.name = 'invalid';
  }
  if (input.role !== undefined && !(MODERATOR_ROLES as readonly string[]).includes(input.role)) problems.role = 'invalid';
  if (input.password !== undefined) {
    if (input.password.length < PASSWORD_MIN) problems.password = 'too_short';
    else if (input.password.length > PASSWORD_MAX) problems.password = 'too_long';
  }
  return problems;
}

/** How a moderator is named in the audit log and to Akismet (reporter): the display name and the account id. */
export function moderatorActor(m: Pick<Moderator, 'id' | 'name'>): string {
  return `${m.name} [${m.id}]`;
}
