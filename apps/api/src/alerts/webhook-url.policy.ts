import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError } from '@fleet/contracts';

/** Host names (or addresses) webhooks may post to even though they are internal. Empty by default. */
export const WEBHOOK_ALLOWED_HOSTS = Symbol('WEBHOOK_ALLOWED_HOSTS');
/** Resolves a host name to every address it has. */
export const WEBHOOK_HOST_LOOKUP = Symbol('WEBHOOK_HOST_LOOKUP');

export type HostLookup = (host: string) => Promise<string[]>;

export const dnsLookup: HostLookup = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Loopback, private, link-local, shared, multicast and reserved ranges: nothing a webhook receiver should be on. */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // IPv4-compatible (deprecated), with the unspecified address and loopback.
  ['::', 96],
  ['64:ff9b:1::', 48], // local-use NAT64: the network's own translator, to wherever it is set up to reach
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: relays deliver to an IPv4 address carried obfuscated
  ['2001:db8::', 32], // documentation
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of a valid IPv6 address (`::`, a final dotted quad and a zone allowed). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const [head, tail] = text.split('::');
  if (tail === undefined) return groups(head);
  const [left, right] = [groups(head), groups(tail)];
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The IPv4 address traffic to an IPv6 address ends up at, for the forms that carry one: IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4
 * (`2002:aabb:ccdd::/48`). Null for other addresses.
 */
function carriedIpv4(groups: readonly number[]): string | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const quad = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (...gs: number[]) => gs.every((g) => g === 0);
  if (zeros(g0, g1, g2, g3, g4) && g5 === 0xffff) return quad(g6, g7);
  if (zeros(g0, g1, g2, g3, g5) && g4 === 0xffff) return quad(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && zeros(g2, g3, g4, g5)) return quad(g6, g7);
  if (g0 === 0x2002) return quad(g1, g2);
  return null;
}

/**
 * Whether an address is one a webhook must not reach: loopback, private, link-local (cloud metadata), shared,
 * multicast or reserved. An IPv6 address that carries an IPv4 one (mapped, translated, NAT64, 6to4) is judged by
 * the IPv4 address, which is where its traffic goes; IPv4-compatible (`::a.b.c.d`) and Teredo addresses are refused.
 *
 * @example
 * isInternalAddress('169.254.169.254'); // true
 * isInternalAddress('64:ff9b::a9fe:a9fe'); // true: NAT64 to 169.254.169.254
 */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  const groups = ipv6Groups(address);
  const carried = carriedIpv4(groups);
  if (carried !== null) return isInternalAddress(carried);
  return INTERNAL.check(groups.map((g) => g.toString(16)).join(':'), 'ipv6');
}

/**
 * Keeps webhooks from being pointed at Fleet's own network (the API, Redis, cloud metadata): a URL whose host is,
 * or resolves to, an internal address is refused unless the host is on the allow-list. The check is made when a
 * webhook is added and again before a test delivery, since what a name resolves to can change.
 */
@Injectable()
export class WebhookUrlPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    @Inject(WEBHOOK_ALLOWED_HOSTS) allowedHosts: readonly string[],
    @Inject(WEBHOOK_HOST_LOOKUP) private readonly lookup: HostLookup,
  ) {
    this.allowed = new Set(allowedHosts.map(normalHost));
  }

  /** Resolves when `url` may receive deliveries; otherwise throws an {@link InvalidInputError} on `url`. */
  async check(url: string): Promise<void> {
    let host: string;
    try {
      host = normalHost(new URL(url).hostname);
    } catch (error) {
      throw refused('must be an http or https URL', error);
    }
    if (this.allowed.has(host)) return;
    let addresses: string[];
    if (isIP(host) !== 0) {
      addresses = [host];
    } else {
      try {
        addresses = await this.lookup(host);
      } catch (error) {
        throw refused(`cannot resolve host '${host}'`, error);
      }
      if (addresses.length === 0) throw refused(`cannot resolve host '${host}'`);
    }
    const internal = addresses.find(isInternalAddress);
    if (internal !== undefined) {
      const what = internal === host ? `'${host}'` : `'${host}' resolves to ${internal}, which`;
      throw refused(`${what} is a loopback, private or link-local address: webhooks may only post to public addresses`);
    }
  }
}

/** Lower case, without IPv6 brackets or a final dot. */
function normalHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

function refused(message: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError(`invalid webhook: url: ${message}`, [{ path: 'url', message }], { cause });
}
