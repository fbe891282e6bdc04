import fs from 'node:fs';
import path from 'node:path';

/**
 * Creates `folder` and its missing parents, like `mkdirSync(folder, { recursive: true })`, but
 * fails instead of looping where a parent exists and refuses new entries: Node's recursive
 * mkdir spins forever on such a path (`/proc/x`: mkdir says ENOENT, its parent exists).
 */
export function makeFolder(folder: string): void {
  const target = path.resolve(folder);
  if (makeOne(target) !== 'ENOENT') return;
  const parent = path.dirname(target);
  if (parent !== target) makeFolder(parent);
  // The parent is there now; ENOENT again means this file system will not create the folder.
  if (makeOne(target) === 'ENOENT') fs.mkdirSync(target);
}

/** mkdir of one level: 'ENOENT' when its parent is missing; throws any other failure. */
function makeOne(target: string): 'made' | 'ENOENT' {
  try {
    fs.mkdirSync(target);
    return 'made';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return code;
    // An existing folder (or another process's, made meanwhile) is success; a file in the way
    // is EEXIST, as Node's recursive mkdir reports it.
    if (code === 'EEXIST' && fs.statSync(target).isDirectory()) return 'made';
    throw error;
  }
}
