import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const WEBSOCKET = path.join(__dirname, '..', '..');
const BUILT = path.join(WEBSOCKET, 'dist', 'web', 'index.html');
const LOCK = path.join(WEBSOCKET, 'dist', '.web-build.lock');
// common/src/unshowable.ts is bundled into the page too.
const SOURCES = [
  path.join(WEBSOCKET, 'web'),
  path.join(WEBSOCKET, 'vite.config.mts'),
  path.join(WEBSOCKET, '..', 'common', 'src', 'unshowable.ts'),
];

function newestSourceMs(): number {
  const walk = (entry: string): number => {
    const stats = statSync(entry);
    if (!stats.isDirectory()) return stats.mtimeMs;
    return Math.max(0, ...readdirSync(entry).map((name) => walk(path.join(entry, name))));
  };
  return Math.max(...SOURCES.map(walk));
}

const builtMs = () => {
  try {
    return statSync(BUILT).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * Builds the page (vite build, as `npm start` does) when dist/web is missing or older than its
 * sources, so `npm test` works on a fresh clone. A lock folder keeps two test files from building
 * at once; the second waits and then finds the build fresh.
 */
export async function ensureWebBuilt(): Promise<void> {
  for (let waited = 0; builtMs() < newestSourceMs(); waited += 250) {
    try {
      mkdirSync(path.dirname(LOCK), { recursive: true });
      mkdirSync(LOCK);
    } catch {
      if (waited > 120_000) rmSync(LOCK, { recursive: true, force: true }); // a crashed build left it
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      if (builtMs() < newestSourceMs()) {
        execFileSync(
          process.execPath,
          [
            path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'),
            'build',
            '--config',
            'vite.config.mts',
            '--logLevel',
            'warn',
          ],
          {
            cwd: WEBSOCKET,
            stdio: 'inherit',
          },
        );
      }
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
