import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { InvalidInputError } from '@fleet/contracts';

/** Host names (or addresses) webhooks may post to even though they are internal (`ALERT_WEBHOOK_ALLOWED_HOSTS`). */
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

/** Why a host may not receive webhook deliveries; `code` tells it apart from a failure to connect. */
export class WebhookAddressRefused extends Error {
  readonly code = 'EWEBHOOKADDRESS';
  override readonly name = 'WebhookAddressRefused';
}

/**
 * Keeps webhooks from being pointed at Fleet's own network (the API, Redis, cloud metadata): a host that is, or
 * resolves to, an internal address is refused unless it is on the allow-list (`ALERT_WEBHOOK_ALLOWED_HOSTS`, the
 * deliberate way to post to a receiver on a private network). The API checks a URL when a webhook is added or
 * changed, to refuse it with a clear error; every delivery is checked again where it connects
 * ({@link WebhookUrlPolicy.lookupFunction}), on the very addresses it connects to, since what a name resolves to can
 * change at any time.
 *
 * @example
 * const policy = new WebhookUrlPolicy(config.alerting.webhookAllowedHosts);
 * await policy.check('https://hooks.example.com/fleet'); // throws InvalidInputError on `url` when refused
 */
@Injectable()
export class WebhookUrlPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    @Inject(WEBHOOK_ALLOWED_HOSTS) allowedHosts: readonly string[],
    @Optional() @Inject(WEBHOOK_HOST_LOOKUP) private readonly lookup: HostLookup = dnsLookup,
  ) {
    this.allowed = new Set(allowedHosts.map(normalHost));
  }

  /** Resolves when `url` may receive deliveries; otherwise throws an {@link InvalidInputError} on `url`. */
  async check(url: string): Promise<void> {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch (error) {
      throw refused('must be an http or https URL', error);
    }
    if (this.allowed.has(normalHost(host))) return;
    try {
      await this.resolve(host);
    } catch (error) {
      if (error instanceof WebhookAddressRefused) throw refused(error.message, error.cause);
      throw error;
    }
  }

  /**
   * Why a delivery must not go to this host as it is written in the URL, or null. Only an address written as one
   * can be judged without resolving: a host name is judged where it is resolved, by {@link lookupFunction}.
   */
  refusalOfLiteral(hostname: string): string | null {
    const host = normalHost(hostname);
    if (this.allowed.has(host) || isIP(host) === 0) return null;
    return isInternalAddress(host) ? internalMessage(host, host) : null;
  }

  /**
   * A `lookup` for `net.connect` (and `http.request`) that resolves a host name and hands the connection only
   * addresses this policy accepts, so what was checked is what is connected to: a name that resolves to a public
   * address when checked and to an internal one a moment later (DNS rebinding) is refused all the same.
   */
  lookupFunction(): LookupFunction {
    return (hostname, options, callback) => {
      const done = callback;
      this.resolve(hostname).then(
        (found) => {
          const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
          const addresses = found
            .map((address) => ({ address, family: isIP(address) }))
            .filter((a) => a.family !== 0 && (wanted === 0 || a.family === wanted));
          const [first] = addresses;
          if (!first) {
            done(new WebhookAddressRefused(`cannot resolve host '${normalHost(hostname)}'`), '', 0);
          } else if ((options as { all?: boolean }).all) {
            done(null, addresses);
          } else {
            done(null, first.address, first.family);
          }
        },
        (error: unknown) => done(error as Error, '', 0),
      );
    };
  }

  /** The addresses of a host deliveries may go to; throws {@link WebhookAddressRefused} when they may not. */
  private async resolve(hostname: string): Promise<string[]> {
    const host = normalHost(hostname);
    if (isIP(host) !== 0) {
      if (!this.allowed.has(host) && isInternalAddress(host)) {
        throw new WebhookAddressRefused(internalMessage(host, host));
      }
      return [host];
    }
    let addresses: string[];
    try {
      addresses = await this.lookup(host);
    } catch (error) {
      throw new WebhookAddressRefused(`cannot resolve host '${host}'`, { cause: error });
    }
    if (addresses.length === 0) throw new WebhookAddressRefused(`cannot resolve host '${host}'`);
    if (this.allowed.has(host)) return addresses;
    const internal = addresses.find(isInternalAddress);
    if (internal !== undefined) throw new WebhookAddressRefused(internalMessage(host, internal));
    return addresses;
  }
}

function internalMessage(host: string, internal: string): string {
  const what = internal === host ? `'${host}'` : `'${host}' resolves to ${internal}, which`;
  return `${what} is a loopback, private or link-local address: webhooks may only post to public addresses`;
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
