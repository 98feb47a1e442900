import { withoutSecrets } from './bootstrap';

describe('withoutSecrets', () => {
  it('blanks tokens in a logged query string and leaves the rest', () => {
    expect(withoutSecrets('/api/v1/ws?token=eyJabc.def&robot=tonypi_01')).toBe(
      '/api/v1/ws?token=[redacted]&robot=tonypi_01',
    );
    expect(withoutSecrets('/x?a=1&Access_Token=secret')).toBe('/x?a=1&Access_Token=[redacted]');
    expect(withoutSecrets('/api/v1/robots?search=token')).toBe('/api/v1/robots?search=token');
  });
});
