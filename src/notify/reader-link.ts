/**
 * Signed links in reader mails: confirm an address (double opt-in), unsubscribe from one thread, or from everything.
 * A link names its purpose, the subscriber, for a thread the subscription the mail was about, and an expiry, signed
 * with a key derived from SECRET (its own derivation: a moderation link can never pass as one of these, nor the other
 * way round). It carries no address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const READER_LINK_KINDS = { confirm: 'c', thread: 't', all: 'a' } as const;
export type ReaderLinkKind = keyof typeof READER_LINK_KINDS;

/** A confirmation link is for the next few days; unsubscribe links must keep working while old mails are read. */
export const CONFIRM_LINK_VALID_MS = 7 * 24 * 3_600_000;
export const UNSUBSCRIBE_LINK_VALID_MS = 365 * 24 * 3_600_000;

export interface ReaderLink {
  kind: ReaderLinkKind;
  subscriberId: string;
  /** The subscription a thread link was mailed about; empty otherwise. */
  subscriptionId: string;
}

const keyOf = (secret: string) => createHmac('sha256', secret).update('parley reader link v1').digest();
const mac = (secret: string, payload: string) => createHmac('sha256', keyOf(secret)).update(payload).digest('base64url');
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

export function signReaderLink(secret: string, link: ReaderLink & { expiresAt: Date }): string {
  const payload = `${READER_LINK_KINDS[link.kind]}.${b64(link.subscriberId)}.${b64(link.subscriptionId)}.${Math.floor(link.expiresAt.getTime() / 1000)}`;
  return `${payload}.${mac(secret, payload)}`;
}

export type VerifiedReaderLink = ({ ok: true } & ReaderLink) | { ok: false; reason: 'invalid' | 'expired' };

const KIND_OF: Record<string, ReaderLinkKind> = { c: 'confirm', t: 'thread', a: 'all' };

export function verifyReaderLink(secret: string, token: string, now: Date): VerifiedReaderLink {
  const m = /^([cta])\.([A-Za-z0-9_-]{1,100})\.([A-Za-z0-9_-]{0,100})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'invalid' };
  const given = Buffer.from(m[5]!, 'utf8');
  const expected = Buffer.from(mac(secret, `${m[1]}.${m[2]}.${m[3]}.${m[4]}`), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  if (Number(m[4]) * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  const text = (s: string) => Buffer.from(s, 'base64url').toString('utf8');
  return { ok: true, kind: KIND_OF[m[1]!]!, subscriberId: text(m[2]!), subscriptionId: text(m[3]!) };
}
