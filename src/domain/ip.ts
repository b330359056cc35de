/**
 * IP addresses as numbers: parsing, the one canonical text form (RFC 5952; an IPv4-mapped IPv6 address is its
 * IPv4 form) and prefix (CIDR) math. Hand-written because node:net's isIPv6 accepts zone ids (`fe80::1%eth0`)
 * and node has no canonical formatter or prefix arithmetic.
 */

export type IpVersion = 4 | 6;

export interface IpAddress {
  version: IpVersion;
  /** The address as an unsigned integer: 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
}

export interface IpNetwork extends IpAddress {
  /** The prefix length; `value` has every bit after it cleared. */
  prefix: number;
}

export const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    // No leading zeros: `010` is octal to some parsers and decimal to others.
    if (!V4_PART.test(part)) return null;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string): bigint[] | null => {
    if (half === '') return [];
    const parts = half.split(':');
    const out: bigint[] = [];
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (v4 === null) return null;
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else if (HEX_GROUP.test(part)) {
        out.push(BigInt(parseInt(part, 16)));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const g of [...head, ...Array<bigint>(missing).fill(0n), ...tail]) value = (value << 16n) | g;
  return value;
}

/**
 * Parses an IPv4 or IPv6 address; null when it is not one. Zone ids (`%eth0`) are refused: they name a local
 * interface, not a remote host. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) comes back as IPv4.
 */
export function parseIp(input: string): IpAddress | null {
  const text = input.trim().toLowerCase();
  if (text.length === 0 || text.length > 45) return null;
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === null ? null : { version: 4, value: v4 };
  }
  const v6 = parseIpv6(text);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

/**
 * Parses `address` or `address/prefix`. Without a prefix the result's prefix is null (the caller decides the
 * default). A prefix on an IPv4-mapped address (`::ffff:10.0.0.0/104`) becomes the IPv4 prefix (`/8`); a mapped
 * prefix shorter than /96 spans more than IPv4 and is refused.
 */
export function parseCidr(input: string): { address: IpAddress; prefix: number | null } | null {
  const text = input.trim();
  const slash = text.indexOf('/');
  if (slash === -1) {
    const address = parseIp(text);
    return address ? { address, prefix: null } : null;
  }
  const prefixText = text.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
  const addressText = text.slice(0, slash);
  const address = parseIp(addressText);
  if (!address) return null;
  let prefix = Number(prefixText);
  const writtenAsV6 = addressText.includes(':');
  if (address.version === 4 && writtenAsV6) {
    if (prefix < 96 || prefix > 128) return null;
    prefix -= 96;
  }
  if (prefix > BITS[address.version]) return null;
  return { address, prefix };
}

function maskOf(version: IpVersion, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  const all = (1n << bits) - 1n;
  return (all << (bits - BigInt(prefix))) & all;
}

// A ban check masks one address with every prefix: compute each mask once.
const MASKS: Record<IpVersion, bigint[]> = {
  4: Array.from({ length: 33 }, (_, p) => maskOf(4, p)),
  6: Array.from({ length: 129 }, (_, p) => maskOf(6, p)),
};

function mask(version: IpVersion, prefix: number): bigint {
  return MASKS[version][prefix]!;
}

/** The network of `address` with `prefix` bits kept. */
export function networkOf(address: IpAddress, prefix: number): IpNetwork {
  return { version: address.version, value: address.value & mask(address.version, prefix), prefix };
}

/** True when `address` lies inside `network`. */
export function contains(network: IpNetwork, address: IpAddress): boolean {
  return network.version === address.version && (address.value & mask(network.version, network.prefix)) === network.value;
}

/** The canonical text: dotted decimal for IPv4; RFC 5952 for IPv6 (lowercase, no leading zeros, the longest run of two or more zero groups as `::`). */
export function formatIp(address: IpAddress): string {
  if (address.version === 4) {
    const v = address.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  }
  if (address.value >> 32n === 0xffffn) return formatIp({ version: 4, value: address.value & 0xffffffffn });
  const groups: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(Number((address.value >> s) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical text of an address, or null when the input is not one. */
export function canonicalIp(input: string): string | null {
  const address = parseIp(input);
  return address ? formatIp(address) : null;
}

/** `network/prefix` in canonical text. */
export function formatNetwork(network: IpNetwork): string {
  return `${formatIp(network)}/${network.prefix}`;
}
