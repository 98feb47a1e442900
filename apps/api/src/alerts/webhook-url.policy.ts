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
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an address is one a webhook must not reach: loopback, private, link-local (cloud metadata), shared,
 * multicast or reserved. IPv4-mapped IPv6 addresses are judged by their IPv4 address.
 *
 * @example
 * isInternalAddress('169.254.169.254'); // true
 */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
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
