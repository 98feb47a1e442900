// Adds to package-lock.json the platform-specific optional packages (other operating systems and CPUs) that npm
// could not fetch while writing it, as happens behind a registry mirror that only carries the packages of the
// machines using it. Without those entries `npm ci` refuses the lockfile ("Missing: ... from lock file") even
// though it would skip them anyway. The entries carry the version and the os/cpu/libc npm checks before it
// skips a package. Does nothing when the lockfile is complete. Run after `npm install`: npm run lockfile
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const PLATFORM =
  /-(darwin|linux|win32|freebsd|android|openharmony|wasm32)-([a-z0-9]+)(?:-(gnu|musl|gnueabihf|musleabihf|msvc|eabi))?$/;
const added = [];

for (const [path, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    const platform = PLATFORM.exec(name);
    if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) continue;
    const [, os, cpu, abi] = platform;
    const entry = { version, optional: true, ...(meta.dev && { dev: true }) };
    if (os === 'wasm32') entry.cpu = ['wasm32'];
    else {
      entry.cpu = [cpu];
      entry.os = [os];
      if (abi === 'gnu' || abi === 'gnueabihf') entry.libc = ['glibc'];
      if (abi === 'musl' || abi === 'musleabihf') entry.libc = ['musl'];
    }
    packages[`node_modules/${name}`] = entry;
    added.push(`${name}@${version}`);
  }
}

if (added.length > 0) {
  const [root, ...rest] = Object.entries(packages);
  lock.packages = Object.fromEntries([root, ...rest.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
}
process.stdout.write(
  added.length > 0 ? `added ${added.length}: ${added.join(' ')}\n` : 'package-lock.json is complete\n',
);
