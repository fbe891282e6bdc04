/** Temporary folders holding fleet files, removed after each test file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const created: string[] = [];

afterAll(() => {
  for (const folder of created) fs.rmSync(folder, { recursive: true, force: true });
});

/** A fresh folder with `files` (relative path → text) written into it. */
export function makeFolder(files: Record<string, string> = {}): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-config-'));
  created.push(folder);
  for (const [relative, text] of Object.entries(files)) {
    const target = path.join(folder, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
  return folder;
}
