/**
 * What the widget keeps in the reader's browser (the embedding site's localStorage): the author's details, only when
 * they ticked "Save my name…", and the edit tokens of their own comments. Storage may be unavailable or full
 * (private modes, sandboxed frames): every access is best effort.
 */
import type { SessionResponse } from './api.js';

export interface SavedAuthor {
  name: string;
  email: string;
  website: string;
}

export interface OwnComment {
  id: string;
  token: string;
  /** The server's thread key. */
  thread: string;
  /** When it was posted (ms). */
  at: number;
  /** The Markdown the author wrote, to edit from (the server only returns HTML). */
  body: string;
  /** The server said the edit window has closed; the token still finds a held comment. */
  closed?: boolean;
  /** The email it was posted with (normalised), to file the commenter token it earns once approved. */
  email?: string;
}

const AUTHOR_KEY = 'parley:author';
const OWN_KEY = 'parley:own';
/** Long enough for a held comment to be decided; the API takes at most 100 tokens at once. */
const OWN_MAX_AGE_MS = 30 * 86_400_000;
const OWN_MAX = 100;
const TRUST_KEY = 'parley:trust';
/** Commenter tokens kept, one per email, most recent last. */
const TRUST_MAX = 4;

export const normEmail = (email: string) => email.trim().toLowerCase();

function read<T>(key: string): T | null {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') as T | null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage off or full: the feature degrades, the comment does not.
  }
}

export function loadAuthor(): SavedAuthor | null {
  const a = read<Partial<SavedAuthor>>(AUTHOR_KEY);
  return a && typeof a.name === 'string' && typeof a.email === 'string'
    ? { name: a.name, email: a.email, website: typeof a.website === 'string' ? a.website : '' }
    : null;
}

/** A signed-in commenter's session (sealed by the server); `sso`: the site's payload it came from. */
export type Kept = SessionResponse & { sso?: string };
const SESSION_KEY = 'parley:session';

export function loadSession(): Kept | null {
  const k = read<Kept>(SESSION_KEY);
  return k && typeof k.session === 'string' && Date.parse(k.expiresAt) > Date.now() ? k : null;
}

export function saveSession(k: Kept | null): void {
  write(SESSION_KEY, k);
}

/** Null forgets the saved details. */
export function saveAuthor(author: SavedAuthor | null): void {
  write(AUTHOR_KEY, author);
}

function allOwn(): OwnComment[] {
  const list = read<OwnComment[]>(OWN_KEY);
  const since = Date.now() - OWN_MAX_AGE_MS;
  return Array.isArray(list) ? list.filter((o) => o && typeof o.id === 'string' && typeof o.token === 'string' && o.at > since) : [];
}

export function ownIn(thread: string): OwnComment[] {
  return allOwn().filter((o) => o.thread === thread);
}

export function findOwn(id: string): OwnComment | undefined {
  return allOwn().find((o) => o.id === id);
}

export function putOwn(own: OwnComment): void {
  write(OWN_KEY, [...allOwn().filter((o) => o.id !== own.id), own].slice(-OWN_MAX));
}

export function dropOwn(id: string): void {
  write(OWN_KEY, allOwn().filter((o) => o.id !== id));
}

/** The commenter token the server gave this email's approved comment: sent with posts to count as a returning commenter. */
export function trustFor(email: string): string | undefined {
  const list = read<[string, string][]>(TRUST_KEY);
  return Array.isArray(list) ? list.find((e) => Array.isArray(e) && e[0] === normEmail(email))?.[1] : undefined;
}

export function keepTrust(email: string, token: string): void {
  const e = normEmail(email);
  const list = read<[string, string][]>(TRUST_KEY);
  write(TRUST_KEY, [...(Array.isArray(list) ? list.filter((x) => Array.isArray(x) && x[0] !== e) : []), [e, token]].slice(-TRUST_MAX));
}
