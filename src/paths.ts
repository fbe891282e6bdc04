import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder (where package.json is), found by walking up from this module, so
 * that it is right both for the sources (src/) and for the bundle (dist/).
 */
function findProjectRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(folder, 'package.json'))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error('fleetchat: cannot find the project folder (no package.json above the code)');
    folder = parent;
  }
  return folder;
}

export const projectRoot = findProjectRoot();
