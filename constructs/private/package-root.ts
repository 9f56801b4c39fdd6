import { readFileSync } from 'fs';
import { dirname, join } from 'path';

let root: string | undefined;

/**
 * The package's root: the folder of scoped-agents' package.json, found from
 * this file whether it runs from the sources (`constructs/private/`) or the
 * build (`lib/constructs/private/`), in a checkout or installed.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'scoped-agents') return (root = dir);
    } catch {
      // not here
    }
  }
  throw new Error(`scoped-agents: no package.json of scoped-agents above ${__dirname}`);
}

/** The package's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
