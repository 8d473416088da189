// Paths named by settings and experiment files must stay inside the workspace (pure; unit-tested).
import * as fs from 'node:fs';
import * as path from 'node:path';

export class PathEscapeError extends Error {
  constructor(readonly given: string, readonly resolved: string, readonly root: string) {
    super(`"${given}" resolves to ${resolved}, outside the workspace folder ${root}`);
    this.name = 'PathEscapeError';
  }
}

/** Resolve the nearest existing ancestor through symlinks and append the rest (so a symlink out is caught before anything is created). */
function realish(p: string): string {
  let cur = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try { return path.join(fs.realpathSync(cur), ...rest.reverse()); } catch { /* does not exist yet */ }
    const parent = path.dirname(cur);
    if (parent === cur) return path.join(cur, ...rest.reverse());
    rest.push(path.basename(cur));
    cur = parent;
  }
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(realish(root), realish(p));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Resolve `given` (relative to root, or absolute) and refuse it when it (or a symlink on the way) leaves root. */
export function resolveInside(root: string, given: string): string {
  const resolved = path.resolve(root, given);
  if (!isInside(root, resolved)) throw new PathEscapeError(given, realish(resolved), root);
  return resolved;
}
