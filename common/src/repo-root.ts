import { existsSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

/**
 * The monorepo's root folder (where `.env` and the default `data/` live), found from this
 * file so it is the same whichever workspace starts, from src/ or from a build in dist/.
 */
export const REPO_ROOT = findRoot(__dirname);

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package-lock.json')) || existsSync(path.join(dir, '.env.example'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** Resolves a configured path: absolute stays, relative is taken from the repository root. */
export function resolveFromRoot(value: string): string {
  return path.isAbsolute(value) ? value : path.resolve(REPO_ROOT, value);
}

/**
 * Loads the root `.env` into process.env; variables already set in the environment win.
 * npm runs workspace scripts from the workspace folder, so dotenv's default (the current folder) would miss it.
 */
export function loadRootEnvFile(): void {
  dotenv.config({ path: path.join(REPO_ROOT, '.env'), quiet: true });
}
