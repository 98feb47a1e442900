/** Servers a suite can run against, by the variable that names them. */
export type ServerVariable = 'DATABASE_URL' | 'REDIS_URL' | 'MQTT_URL' | 'INFLUX_URL';

/** CI sets FLEET_REQUIRE_SERVICES=1: a missing server is then a failure, never a skip. */
export const REQUIRE_SERVICES = process.env.FLEET_REQUIRE_SERVICES === '1';

export function serverUrl(variable: ServerVariable): string | undefined {
  const value = process.env[variable]?.trim();
  return value ? value : undefined;
}

/**
 * Declares what happens to a suite whose server is not configured: with FLEET_REQUIRE_SERVICES=1 a failing test
 * says which variable is missing; otherwise one skipped test says why the suite did not run.
 */
export function reportMissingServer(variable: ServerVariable, title: string): void {
  describe(title, () => {
    if (REQUIRE_SERVICES) {
      it(`needs ${variable}`, () => {
        throw new Error(`${variable} is not set, and FLEET_REQUIRE_SERVICES=1 requires every server`);
      });
    } else {
      // eslint-disable-next-line jest/no-disabled-tests -- a suite without its server says so and skips
      it.skip(`skipped: ${variable} is not set (no server configured on this machine)`, () => undefined);
    }
  });
}

/** `describe` against the server at `variable`, or {@link reportMissingServer}. */
export function describeWithServer(variable: ServerVariable, title: string, body: (url: string) => void): void {
  const url = serverUrl(variable);
  if (url) {
    describe(`${title} [${variable}]`, () => {
      body(url);
    });
  } else reportMissingServer(variable, title);
}

/** A name no other suite or run uses, for databases, key prefixes and topic prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
}
