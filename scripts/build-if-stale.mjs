// Builds each app named on the command line unless its compiled entry point is newer than every source file,
// so `npm start` and `npm run fleet` restart in a second when nothing changed.
// Usage: node scripts/build-if-stale.mjs fleet [cli ...]
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json'))
      latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

function builtAt(app) {
  try {
    return statSync(join(root, 'dist', 'apps', app, 'src', 'main.js')).mtimeMs;
  } catch {
    return 0;
  }
}

const sources = Math.max(
  newest(join(root, 'apps')),
  newest(join(root, 'libs')),
  statSync(join(root, 'tsconfig.base.json')).mtimeMs,
);
const stale = process.argv.slice(2).filter((app) => builtAt(app) < sources);
if (stale.length > 0) {
  process.stderr.write(`building ${stale.join(', ')}...\n`);
  execFileSync(join(root, 'node_modules', '.bin', 'nest'), ['build', ...stale], { cwd: root, stdio: 'inherit' });
}
