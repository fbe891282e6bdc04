/** makeFolder: mkdir -p that fails where Node's recursive mkdir would loop forever. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFolder } from '../src/folders.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-folders-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('makeFolder', () => {
  it('creates missing parents, and accepts a folder that exists', () => {
    const nested = path.join(directory, 'a', 'b', 'c');
    makeFolder(nested);
    expect(fs.statSync(nested).isDirectory()).toBe(true);
    makeFolder(nested);
    makeFolder(path.join(directory, 'a'));
    expect(fs.readdirSync(path.join(directory, 'a'))).toEqual(['b']);
  });

  it('refuses a file in the way with EEXIST, or along the path with ENOTDIR, naming it', () => {
    const file = path.join(directory, 'file');
    fs.writeFileSync(file, 'x');
    expect(() => makeFolder(file)).toThrow(expect.objectContaining({ code: 'EEXIST', path: file }));
    expect(() => makeFolder(path.join(file, 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it.skipIf(!fs.existsSync('/proc/self'))('fails with ENOENT under a file system that will not create it, instead of looping', () => {
    expect(() => makeFolder('/proc/fleetchat-x/y')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/proc/fleetchat-x' }));
  });
});
