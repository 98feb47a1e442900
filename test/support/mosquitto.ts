import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { REQUIRE_SERVICES } from './servers';

/** The local Mosquitto's programs, from PATH or where Debian installs them. */
export interface MosquittoPrograms {
  mosquitto: string;
  mosquittoPasswd: string;
}

function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

/**
 * `describe` with the local Mosquitto's programs. Without them, a failing test when FLEET_REQUIRE_SERVICES=1, else
 * one skipped test that says why.
 */
export function describeWithMosquitto(title: string, body: (programs: MosquittoPrograms) => void): void {
  const mosquitto = findProgram('mosquitto');
  const mosquittoPasswd = findProgram('mosquitto_passwd');
  if (mosquitto && mosquittoPasswd) {
    describe(title, () => {
      body({ mosquitto, mosquittoPasswd });
    });
  } else if (REQUIRE_SERVICES) {
    describe(title, () => {
      it('needs the mosquitto and mosquitto_passwd programs', () => {
        throw new Error('mosquitto is not installed, and FLEET_REQUIRE_SERVICES=1 requires every server');
      });
    });
  } else {
    describe(title, () => {
      // eslint-disable-next-line jest/no-disabled-tests -- without Mosquitto installed the suite says so and skips
      it.skip('skipped: mosquitto is not installed', () => undefined);
    });
  }
}
