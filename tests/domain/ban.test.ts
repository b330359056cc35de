import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { banEmail, banHasher, banHashesFor, banKey, type BanInput } from '../../src/domain/ban.js';
import { canonicalIp, contains, formatIp, networkOf, parseCidr, parseIp, type IpAddress } from '../../src/domain/ip.js';
import { emailKeyOf } from '../../src/domain/privacy.js';
import { ValidationError } from '../../src/domain/errors.js';

const SECRET = 'ban-test-secret';
// A fixed seed keeps CI reproducible; FAST_CHECK_RUNS=100000 runs a longer search locally.
const FC = { seed: 9005, numRuns: Number(process.env.FAST_CHECK_RUNS ?? 300) };

function bans(input: BanInput, email: string, ip: string | null): boolean {
  return banHashesFor(email, ip, SECRET).includes(banKey(input, SECRET).hash);
}

function fieldErrorOf(fn: () => unknown): Record<string, string> | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.fields;
    throw err;
  }
  return undefined;
}

describe('ip: parsing and canonical form', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    [' 127.0.0.1 ', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:0001', '127.0.0.1'],
    ['2001:db8:0:0::1', '2001:db8::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('canonicalises %s as %s', (input, canonical) => {
    expect(canonicalIp(input)).toBe(canonical);
  });

  it.each([
    'fe80::1%eth0',
    '::1%1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '256.1.1.1',
    '1.2.3.-4',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    '1::2::3',
    ':::',
    ':1::',
    '12345::',
    'g::1',
    '1.2.3.4::',
    '::1.2.3.4:5',
    '::ffff:1.2.3',
    '1.2.3.4:80',
    '[::1]',
    '',
    ' ',
    'localhost',
  ])('refuses %j', (input) => {
    expect(parseIp(input)).toBeNull();
  });

  it('formats every IPv6 address as the WHATWG URL parser does (RFC 5952 compression), and parses any spelling of it back', () => {
    const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).filter((v) => v >> 32n !== 0xffffn);
    const spelling = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(v6, spelling, (value, style) => {
        const canonical = formatIp({ version: 6, value });
        expect(new URL(`http://[${canonical}]/`).hostname).toBe(`[${canonical}]`);
        // Eight groups, each with random leading zeros and case.
        const groups = Array.from({ length: 8 }, (_, i) => {
          const hex = ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16);
          const [pad, upper] = style[i]!;
          const padded = hex.padStart(Math.min(4, hex.length + pad), '0');
          return upper ? padded.toUpperCase() : padded;
        });
        expect(parseIp(groups.join(':'))).toEqual({ version: 6, value });
        expect(parseIp(canonical)).toEqual({ version: 6, value });
      }),
      FC,
    );
  });

  it('reads an IPv4 prefix written on the IPv4-mapped form, and refuses one wider than IPv4', () => {
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ address: { version: 4, value: 0x0a000000n }, prefix: 8 });
    expect(parseCidr('::ffff:10.0.0.0/95')).toBeNull();
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('2001:db8::/129')).toBeNull();
    expect(parseCidr('2001:db8::/048')).toBeNull();
    expect(parseCidr('2001:db8::/')).toBeNull();
  });
});

describe('banKey: what a ban stores', () => {
  it.each([
    [{ ip: 'not-an-ip' }, { ip: 'invalid' }],
    [{ ip: 'fe80::1%eth0' }, { ip: 'invalid' }],
    [{ ip: '10.0.0.0/33' }, { ip: 'invalid' }],
    [{ ip: '10.0.0.0/7' }, { ip: 'too_wide' }],
    [{ ip: '0.0.0.0/0' }, { ip: 'too_wide' }],
    [{ ip: '2001:db8::/15' }, { ip: 'too_wide' }],
    [{ ip: '::/0' }, { ip: 'too_wide' }],
    [{ domain: 'org' }, { domain: 'too_wide' }],
    [{ domain: 'not a domain' }, { domain: 'invalid' }],
    [{ domain: '-bad.example' }, { domain: 'invalid' }],
    [{ domain: 'a..example' }, { domain: 'invalid' }],
  ] as [BanInput, Record<string, string>][])('refuses %j with %j', (input, fields) => {
    expect(fieldErrorOf(() => banKey(input, SECRET))).toEqual(fields);
  });

  it('records the prefix an IP ban covers: /32 for an IPv4 address, /64 for an IPv6 address, else the one given', () => {
    expect(banKey({ ip: '203.0.113.7' }, SECRET)).toMatchObject({ kind: 'ip', prefix: 32 });
    expect(banKey({ ip: '2001:db8::1' }, SECRET)).toMatchObject({ kind: 'ip', prefix: 64 });
    expect(banKey({ ip: '2001:db8::/48' }, SECRET)).toMatchObject({ kind: 'ip', prefix: 48 });
    expect(banKey({ ip: '2001:db8::1/128' }, SECRET)).toMatchObject({ kind: 'ip', prefix: 128 });
    expect(banKey({ ip: '::ffff:203.0.113.7' }, SECRET)).toMatchObject({ kind: 'ip', prefix: 32 });
    expect(banKey({ email: 'a@example.org' }, SECRET)).toMatchObject({ kind: 'email', prefix: null });
    expect(banKey({ domain: 'example.org' }, SECRET)).toMatchObject({ kind: 'domain', prefix: null });
  });

  it('stores the same hash for every spelling of one network, and never the address itself', () => {
    const same = (a: BanInput, b: BanInput) => expect(banKey(a, SECRET).hash).toBe(banKey(b, SECRET).hash);
    same({ ip: '10.1.2.3/8' }, { ip: '10.0.0.0/8' });
    same({ ip: '::ffff:10.0.0.0/104' }, { ip: '10.0.0.0/8' });
    same({ ip: '2001:DB8:0:0::1' }, { ip: '2001:db8::ffff' });
    same({ ip: '2001:db8::1' }, { ip: '2001:db8::/64' });
    same({ email: ' Troll+spam@Example.ORG ' }, { email: 'troll@example.org' });
    same({ email: 'a@Bücher.example' }, { email: 'a@xn--bcher-kva.example' });
    same({ domain: 'Bücher.Example.' }, { domain: 'xn--bcher-kva.example' });
    expect(banKey({ ip: '203.0.113.7' }, SECRET).hash).not.toMatch(/203/);
    expect(banKey({ ip: '203.0.113.7' }, SECRET).hash).not.toBe(banKey({ ip: '203.0.113.7' }, 'another-secret').hash);
  });
});

describe('banHashesFor: who a ban reaches', () => {
  it.each([
    // [ban, email, ip, banned?]
    [{ ip: '127.0.0.1' }, 'a@example.org', '::ffff:127.0.0.1', true],
    [{ ip: '::ffff:127.0.0.1' }, 'a@example.org', '127.0.0.1', true],
    [{ ip: '127.0.0.1' }, 'a@example.org', '127.0.0.2', false],
    [{ ip: '2001:db8:0:0::1' }, 'a@example.org', '2001:db8::1', true],
    [{ ip: '2001:db8::1' }, 'a@example.org', '2001:db8::ffff:1', true],
    [{ ip: '2001:db8::1' }, 'a@example.org', '2001:db8:0:1::1', false],
    [{ ip: '2001:db8::1/128' }, 'a@example.org', '2001:db8::2', false],
    [{ ip: '2001:db8::/48' }, 'a@example.org', '2001:db8:0:ffff::1', true],
    [{ ip: '2001:db8::/48' }, 'a@example.org', '2001:db8:1::1', false],
    [{ ip: '198.51.100.0/24' }, 'a@example.org', '198.51.100.255', true],
    [{ ip: '198.51.100.0/24' }, 'a@example.org', '198.51.101.0', false],
    [{ ip: '10.0.0.0/8' }, 'a@example.org', '::ffff:10.200.3.4', true],
    [{ ip: '127.0.0.1' }, 'a@example.org', null, false],
    [{ ip: '127.0.0.1' }, 'a@example.org', 'garbage', false],
    [{ email: 'troll@example.org' }, 'TROLL@Example.org', null, true],
    [{ email: 'troll@example.org' }, 'troll+again@example.org', null, true],
    [{ email: 'Troll+x@example.org' }, 'troll+y@EXAMPLE.ORG', null, true],
    [{ email: 'troll@example.org' }, 'troll2@example.org', null, false],
    [{ email: 'troll@example.org' }, 'troll@example.org.evil', null, false],
    [{ email: 'a@xn--bcher-kva.example' }, 'A@BÜCHER.example', null, true],
    [{ domain: 'example.org' }, 'anyone@example.org', null, true],
    [{ domain: 'example.org' }, 'anyone@mail.Example.org', null, true],
    [{ domain: 'mail.example.org' }, 'anyone@example.org', null, false],
    [{ domain: 'example.org' }, 'anyone@notexample.org', null, false],
    [{ domain: 'example.org' }, 'anyone@example.org.evil', null, false],
    [{ domain: 'bücher.example' }, 'x@xn--bcher-kva.example', null, true],
  ] as [BanInput, string, string | null, boolean][])('ban %j reaches %s from %s: %s', (ban, email, ip, expected) => {
    expect(bans(ban, email, ip)).toBe(expected);
  });

  it('still matches an email ban stored before +tag normalisation, for that exact address', () => {
    const legacy = emailKeyOf('a+x@example.org', SECRET);
    expect(banHashesFor('A+X@example.org', null, SECRET)).toContain(legacy);
  });

  it('normalises emails: case, IDNA domain, +tag', () => {
    expect(banEmail(' Ada+News@Bücher.Example ')).toBe('ada@xn--bcher-kva.example');
    expect(banEmail('+only@example.org')).toBe('+only@example.org');
  });

  const v4 = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }).map((value): IpAddress => ({ version: 4, value }));
  const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).filter((v) => v >> 32n !== 0xffffn).map((value): IpAddress => ({ version: 6, value }));
  const v4Ban = fc.tuple(v4, fc.integer({ min: 8, max: 32 }));
  const v6Ban = fc.tuple(v6, fc.integer({ min: 16, max: 128 }));

  /** An address inside `network` (random host bits) and one outside (one network bit flipped). */
  function inAndOut(network: IpAddress & { prefix: number }, hostBits: bigint, flip: number) {
    const bits = network.version === 4 ? 32 : 128;
    const hostMask = (1n << BigInt(bits - network.prefix)) - 1n;
    const inside = { version: network.version, value: network.value | (hostBits & hostMask) };
    const outside = { version: network.version, value: inside.value ^ (1n << BigInt(bits - 1 - (flip % network.prefix))) };
    return { inside, outside };
  }

  it.each([
    ['IPv4', v4Ban, 32],
    ['IPv6', v6Ban, 128],
  ] as const)('bans every %s address in a banned prefix and none outside it', (_name, arb, bits) => {
    fc.assert(
      fc.property(arb, fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }), fc.nat(), ([address, prefix], hostBits, flip) => {
        const network = networkOf(address, prefix);
        const { inside, outside } = inAndOut(network, hostBits, flip);
        expect(contains(network, inside)).toBe(true);
        expect(contains(network, outside)).toBe(false);
        const ban = { ip: `${formatIp(network)}/${prefix}` };
        expect(bans(ban, 'x@example.org', formatIp(inside))).toBe(true);
        expect(bans(ban, 'x@example.org', formatIp(outside))).toBe(false);
        if (inside.version === 4) expect(bans(ban, 'x@example.org', `::ffff:${formatIp(inside)}`)).toBe(true);
      }),
      FC,
    );
  });

  it('bans an IPv6 address by its /64 when no prefix is given', () => {
    fc.assert(
      fc.property(v6, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (address, host) => {
        const sameSlash64 = { version: 6 as const, value: (address.value & ~((1n << 64n) - 1n)) | host };
        fc.pre(sameSlash64.value >> 32n !== 0xffffn);
        const otherSlash64 = { version: 6 as const, value: address.value ^ (1n << 64n) };
        fc.pre(otherSlash64.value >> 32n !== 0xffffn);
        expect(bans({ ip: formatIp(address) }, 'x@example.org', formatIp(sameSlash64))).toBe(true);
        expect(bans({ ip: formatIp(address) }, 'x@example.org', formatIp(otherSlash64))).toBe(false);
      }),
      FC,
    );
  });
});

describe('banHasher: banHashesFor with each address remembered', () => {
  it('gives exactly the hashes banHashesFor gives, for new, remembered and evicted addresses', () => {
    const hashes = banHasher(SECRET, 2);
    const cases: Array<[string, string | null]> = [
      ['a@example.org', '203.0.113.9'],
      ['b+tag@Mail.Example.org', '203.0.113.9'],
      ['c@example.org', '2001:db8::1'],
      ['d@example.org', '::ffff:198.51.100.7'],
      ['e@example.org', null],
      ['f@example.org', 'not an ip'],
      ['a@example.org', '203.0.113.9'],
    ];
    for (const [email, ip] of [...cases, ...cases]) {
      expect(new Set(hashes(email, ip))).toEqual(new Set(banHashesFor(email, ip, SECRET)));
    }
  });

  it('still finds a ban on the address for every email that posts from it', () => {
    const hashes = banHasher(SECRET);
    const ban = banKey({ ip: '203.0.113.0/24' }, SECRET).hash;
    expect(hashes('one@example.org', '203.0.113.9')).toContain(ban);
    expect(hashes('two@example.net', '203.0.113.9')).toContain(ban);
    expect(hashes('two@example.net', '203.0.114.9')).not.toContain(ban);
  });
});
