import { InvalidInputError } from '@fleet/contracts';
import { isInternalAddress, WebhookUrlPolicy, type HostLookup } from './webhook-url.policy';

const resolvesTo =
  (table: Record<string, string[]>): HostLookup =>
  (host) => {
    const addresses = table[host];
    return addresses ? Promise.resolve(addresses) : Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`));
  };

async function refusal(policy: WebhookUrlPolicy, url: string): Promise<InvalidInputError> {
  const error: unknown = await policy.check(url).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InvalidInputError)) throw new Error(`expected ${url} to be refused`);
  return error;
}

describe('webhook URL policy', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    'fe80::1%eth0',
    'not an address',
  ])('counts %s as internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each([
    // IPv4-mapped, in every spelling, and IPv4-translated: judged by the IPv4 address.
    ['::ffff:7f00:1', true],
    ['0:0:0:0:0:ffff:7f00:0001', true],
    ['::FFFF:169.254.169.254', true],
    ['::ffff:0:10.0.0.1', true],
    ['::ffff:0:a00:1', true],
    ['::ffff:8.8.8.8', false],
    ['::ffff:0:8.8.8.8', false],
    // NAT64 (well-known prefix): the translator delivers to the IPv4 address.
    ['64:ff9b::127.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['64:ff9b::c0a8:101', true],
    ['64:ff9b::8.8.8.8', false],
    ['64:ff9b:1::808:808', true],
    // IPv4-compatible (deprecated): refused whatever it carries.
    ['::127.0.0.1', true],
    ['::7f00:1', true],
    ['::10.0.0.1', true],
    ['::8.8.8.8', true],
    // 6to4: the relay delivers to the IPv4 address in bits 16-47.
    ['2002:7f00:1::', true],
    ['2002:a9fe:a9fe::1', true],
    ['2002:c0a8:101:1::1', true],
    ['2002:808:808::1', false],
    // Teredo, documentation, site-local.
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true],
    ['2001:db8::1', true],
    ['fec0::1', true],
  ])('judges %s: internal %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });

  it.each(['8.8.8.8', '172.32.0.1', '203.0.113.10', '2606:4700::1111', '2001:4860:4860::8888'])(
    'counts %s as public',
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );

  it('accepts a host that resolves to public addresses only', async () => {
    const policy = new WebhookUrlPolicy([], resolvesTo({ 'hooks.example.com': ['93.184.215.14', '2606:2800::1'] }));
    await expect(policy.check('https://hooks.example.com/fleet')).resolves.toBeUndefined();
    await expect(policy.check('http://203.0.113.10:8080/x')).resolves.toBeUndefined();
  });

  it('accepts a host behind DNS64 that resolves to NAT64 addresses of public IPv4 ones', async () => {
    const policy = new WebhookUrlPolicy([], resolvesTo({ 'hooks.example.com': ['64:ff9b::5db8:d70e'] }));
    await expect(policy.check('https://hooks.example.com/fleet')).resolves.toBeUndefined();
  });

  it.each([
    ['http://127.0.0.1:3000/hook', "'127.0.0.1' is a loopback"],
    ['http://[::1]/hook', "'::1' is a loopback"],
    ['http://2130706433/hook', "'127.0.0.1' is a loopback"],
    ['http://169.254.169.254/latest/meta-data', "'169.254.169.254' is a loopback, private or link-local"],
    ['https://localhost/hook', "'localhost' resolves to 127.0.0.1, which is"],
    ['https://sneaky.example.com/hook', "'sneaky.example.com' resolves to 10.0.0.5, which is"],
    ['http://[::ffff:127.0.0.1]/hook', "'::ffff:7f00:1' is a loopback"],
    ['http://[64:ff9b::169.254.169.254]/latest/meta-data', "'64:ff9b::a9fe:a9fe' is a loopback"],
    ['http://[::127.0.0.1]:6379/', "'::7f00:1' is a loopback"],
    ['http://[2002:a00:1::1]/hook', "'2002:a00:1::1' is a loopback"],
    ['https://nat64.example.com/hook', "'nat64.example.com' resolves to 64:ff9b::a00:5, which is"],
  ])('refuses %s on the url field', async (url, message) => {
    const policy = new WebhookUrlPolicy(
      [],
      resolvesTo({
        localhost: ['127.0.0.1'],
        'sneaky.example.com': ['93.184.215.14', '10.0.0.5'],
        'nat64.example.com': ['64:ff9b::5db8:d70e', '64:ff9b::a00:5'],
      }),
    );
    const error = await refusal(policy, url);
    expect(error.issues.map((issue) => issue.path)).toEqual(['url']);
    expect(error.issues[0]?.message).toContain(message);
  });

  it('refuses a host that does not resolve, saying so', async () => {
    const error = await refusal(new WebhookUrlPolicy([], resolvesTo({})), 'https://nowhere.invalid/x');
    expect(error.message).toBe("invalid webhook: url: cannot resolve host 'nowhere.invalid'");
  });

  it('lets hosts on the allow-list through without resolving them', async () => {
    const lookup = jest.fn<Promise<string[]>, [string]>(() => Promise.resolve(['10.0.0.7']));
    const policy = new WebhookUrlPolicy(['127.0.0.1', 'Relay.Internal', '::1'], lookup);
    await expect(policy.check('http://127.0.0.1:9000/hook')).resolves.toBeUndefined();
    await expect(policy.check('http://relay.internal./hook')).resolves.toBeUndefined();
    await expect(policy.check('http://[::1]:9000/hook')).resolves.toBeUndefined();
    expect(lookup).not.toHaveBeenCalled();
    await expect(refusal(policy, 'http://other.internal/hook')).resolves.toBeInstanceOf(InvalidInputError);
  });
});
