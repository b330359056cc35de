/**
 * What a ban matches. A ban stores one keyed hash (banKey); a commenter is checked with every hash that could
 * ban them (banHashesFor), so the check is one indexed lookup of a set of hashes and no address is ever stored.
 *
 * - email: case-insensitive, the domain in its IDNA (punycode) form, `+tag` dropped from the local part.
 * - domain: the email's domain and each parent domain (a ban on example.org matches a@mail.example.org).
 * - ip: canonical address (an IPv4-mapped IPv6 address is its IPv4 form); a ban covers a prefix (CIDR):
 *   IPv4 /8–/32 (an address alone is /32), IPv6 /16–/128 (an address alone is its /64, since one host
 *   usually holds a whole /64).
 */
import { domainToASCII } from 'node:url';
import { ValidationError } from './errors.js';
import { BITS, formatIp, networkOf, parseCidr, parseIp, type IpAddress, type IpVersion } from './ip.js';
import { emailKeyOf, keyedHash } from './privacy.js';

export const BAN_KINDS = ['email', 'ip', 'domain'] as const;
export type BanKind = (typeof BAN_KINDS)[number];

/** The widest prefix a ban may cover, and the prefix an address without one bans. */
export const BAN_PREFIX: Record<IpVersion, { min: number; default: number }> = {
  4: { min: 8, default: 32 },
  6: { min: 16, default: 64 },
};

export type BanInput = { email: string } | { ip: string } | { domain: string };

export interface BanTarget {
  kind: BanKind;
  hash: string;
  /** For an IP ban, the prefix length it covers; null otherwise. */
  prefix: number | null;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The domain in the form bans compare: lowercase IDNA (punycode), no trailing dot. Null when it is not a host name. */
export function banDomain(input: string): string | null {
  const trimmed = input.trim().replace(/^@/, '').replace(/\.$/, '');
  if (trimmed === '' || trimmed.length > 253) return null;
  const ascii = domainToASCII(trimmed);
  if (ascii === '' || !ascii.split('.').every((l) => LABEL.test(l))) return null;
  return ascii;
}

/** The email in the form bans compare: lowercase, IDNA domain, no `+tag`. */
export function banEmail(input: string): string {
  const email = input.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0) return email;
  const local = email.slice(0, at);
  const plus = local.indexOf('+');
  const bareLocal = plus > 0 ? local.slice(0, plus) : local;
  const domain = email.slice(at + 1);
  return `${bareLocal}@${banDomain(domain) ?? domain}`;
}

function emailHash(normalised: string, secret: string): string {
  // The same purpose and form as emailKeyOf, so bans stored before `+tag`/IDNA normalisation still match.
  return keyedHash(normalised, secret, 'email');
}

function domainHash(domain: string, secret: string): string {
  return keyedHash(domain, secret, 'ban-domain');
}

/**
 * A full-length prefix hashes as the canonical address: the form IP bans were stored in before prefixes existed.
 * A shorter one hashes as version, network in hex and length (cheaper to build than the canonical text; a ban
 * check builds up to 113 of them).
 */
function networkHash(address: IpAddress, prefix: number, secret: string): string {
  if (prefix === BITS[address.version]) return keyedHash(formatIp(address), secret, 'ip');
  return keyedHash(`v${address.version}:${networkOf(address, prefix).value.toString(16)}/${prefix}`, secret, 'ip');
}

/** The hash a ban stores; throws a ValidationError (field `email`, `ip` or `domain`) for a value it cannot ban. */
export function banKey(input: BanInput, secret: string): BanTarget {
  if ('email' in input) {
    return { kind: 'email', hash: emailHash(banEmail(input.email), secret), prefix: null };
  }
  if ('domain' in input) {
    const domain = banDomain(input.domain);
    if (!domain) throw new ValidationError({ domain: 'invalid' }, 'Not a domain name.');
    if (!domain.includes('.')) throw new ValidationError({ domain: 'too_wide' }, 'Ban a domain, not a top-level domain.');
    return { kind: 'domain', hash: domainHash(domain, secret), prefix: null };
  }
  const cidr = parseCidr(input.ip);
  if (!cidr) throw new ValidationError({ ip: 'invalid' }, 'Not an IP address or prefix.');
  const { version } = cidr.address;
  const prefix = cidr.prefix ?? BAN_PREFIX[version].default;
  if (prefix < BAN_PREFIX[version].min) {
    throw new ValidationError({ ip: 'too_wide' }, `The widest ban is /${BAN_PREFIX[4].min} for IPv4 and /${BAN_PREFIX[6].min} for IPv6.`);
  }
  return { kind: 'ip', hash: networkHash(cidr.address, prefix, secret), prefix };
}

/** The domain and each parent that is still a domain (two labels or more). */
function domainAndParents(domain: string): string[] {
  const labels = domain.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i += 1) out.push(labels.slice(i).join('.'));
  return out;
}

/** Every hash that could ban a commenter with this email and IP (an unparsable IP adds none). */
export function banHashesFor(email: string, ip: string | null | undefined, secret: string): string[] {
  return [...new Set([...emailBanHashes(email, secret), ...ipBanHashes(ip, secret)])];
}

function emailBanHashes(email: string, secret: string): string[] {
  const normalised = banEmail(email);
  const hashes = [emailHash(normalised, secret), emailKeyOf(email, secret)];
  const domain = banDomain(normalised.slice(normalised.lastIndexOf('@') + 1));
  if (domain) for (const d of domainAndParents(domain)) hashes.push(domainHash(d, secret));
  return hashes;
}

function ipBanHashes(ip: string | null | undefined, secret: string): string[] {
  const address = ip ? parseIp(ip) : null;
  const hashes: string[] = [];
  if (address) {
    for (let p = BAN_PREFIX[address.version].min; p <= BITS[address.version]; p += 1) hashes.push(networkHash(address, p, secret));
  }
  return hashes;
}

/**
 * banHashesFor with the IP's part remembered: 25 (IPv4) to 113 (IPv6) keyed hashes per check, the same for every
 * post from one address, and a pure function of the address and the secret, so a remembered list is never stale.
 * Bounded (the oldest address goes first); an IPv6 entry is about 10 KB.
 */
export function banHasher(secret: string, maxAddresses = 256): (email: string, ip: string | null | undefined) => string[] {
  const byIp = new Map<string, string[]>();
  return (email, ip) => {
    let ipHashes: string[] | undefined = ip ? byIp.get(ip) : [];
    if (ipHashes === undefined) {
      ipHashes = ipBanHashes(ip, secret);
      if (byIp.size >= maxAddresses) byIp.delete(byIp.keys().next().value!);
      byIp.set(ip!, ipHashes);
    }
    return [...new Set([...emailBanHashes(email, secret), ...ipHashes])];
  };
}
