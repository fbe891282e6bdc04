/**
 * `fleetchat serve` that cannot start says, in one line, what is wrong and which setting to
 * change: a SQLite path that cannot hold a database, a generated JWT key file that is too short
 * or cannot be written, a HOST that is not this machine's, a PostgreSQL database or user that
 * does not exist. Real processes, as an operator meets them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reachable, testDatabaseUrl } from '../helpers/stores.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-start-failures-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
const postgresAvailable = await reachable(testDatabaseUrl);
if (!postgresAvailable) console.warn(`start-failure tests on PostgreSQL skipped: PostgreSQL not reachable at ${testDatabaseUrl}`);

/** Runs `fleetchat serve`; resolves with its exit code and what it wrote to stderr. */
function serve(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['bin/fleetchat.js', 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', FLEETCHAT_CONFIG: '', FLEETCHAT_ADMIN_PASSWORD: 'a-long-enough-password', JWT_SECRET: '', DATA_DIR: '', REDIS_URL: '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  // A start that wrongly succeeds is stopped, and fails the test on its exit code.
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve({ code, stderr }))));
}

const folder = (name: string) => {
  const made = path.join(directory, name);
  fs.mkdirSync(made, { recursive: true });
  return made;
};

describe('fleetchat serve refuses to start, saying what to change', () => {
  it.concurrent('a SQLite path under a file, at a folder, or at a file that is not a database', async () => {
    const file = path.join(folder('sqlite'), 'notes.txt');
    fs.writeFileSync(file, 'not a database, but long enough for SQLite to read a header from it\n'.repeat(20));
    const secret = { JWT_SECRET: 's'.repeat(40) };
    const [underFile, atFolder, notDatabase] = await Promise.all([
      serve({ ...secret, DATABASE_URL: `sqlite:${file}/fleetchat.db` }),
      serve({ ...secret, DATABASE_URL: `sqlite:${directory}` }),
      serve({ ...secret, DATABASE_URL: `sqlite:${file}` }),
    ]);
    const fix = 'fix DATABASE_URL (sqlite:<a file path fleetchat may create and write>)\n';
    expect(underFile).toEqual({ code: 1, stderr: `fleetchat serve: cannot open the SQLite database ${file}/fleetchat.db: ${file} is a file where a folder is needed; ${fix}` });
    expect(atFolder).toEqual({ code: 1, stderr: `fleetchat serve: cannot open the SQLite database ${directory}: it is a folder; ${fix}` });
    expect(notDatabase).toEqual({ code: 1, stderr: `fleetchat serve: cannot open the SQLite database ${file}: the file is not a SQLite database; ${fix}` });
  }, 30_000);

  it.concurrent('a generated JWT key file that is too short or empty, or that cannot be written', async () => {
    const short = folder('short-key');
    fs.writeFileSync(path.join(short, 'jwt-secret'), 'abc\n');
    const empty = folder('empty-key');
    fs.writeFileSync(path.join(empty, 'jwt-secret'), '');
    const blocked = path.join(folder('blocked'), 'data');
    fs.writeFileSync(blocked, 'a file where the data folder should be');
    const [shortKey, emptyKey, unwritable] = await Promise.all([
      serve({ DATABASE_URL: `sqlite:${short}/fleetchat.db` }),
      serve({ DATABASE_URL: `sqlite:${empty}/fleetchat.db` }),
      serve({ DATABASE_URL: `sqlite:${directory}/blocked.db`, DATA_DIR: blocked }),
    ]);
    const tooShort = (file: string, length: number) =>
      `fleetchat serve: ${file} holds a JWT signing key of ${length} character(s); it needs at least 32: delete the file to have a new key generated (tokens signed with the old one stop working), or set JWT_SECRET\n`;
    expect(shortKey).toEqual({ code: 1, stderr: tooShort(path.join(short, 'jwt-secret'), 3) });
    expect(emptyKey).toEqual({ code: 1, stderr: tooShort(path.join(empty, 'jwt-secret'), 0) });
    expect(unwritable).toEqual({
      code: 1,
      stderr: `fleetchat serve: JWT_SECRET is not set and the generated key cannot be kept in ${blocked}/jwt-secret: ${blocked}/jwt-secret has a file where a folder is needed along its path; set JWT_SECRET (at least 32 characters), or DATA_DIR to a folder fleetchat may write\n`,
    });
  }, 30_000);

  it.concurrent('a HOST that does not resolve, or that is not an address of this machine', async () => {
    const common = { JWT_SECRET: 's'.repeat(40), DATABASE_URL: `sqlite:${folder('host')}/fleetchat.db` };
    const [unknown, foreign] = await Promise.all([serve({ ...common, HOST: 'no-such-host.invalid' }), serve({ ...common, HOST: '192.0.2.1' })]);
    expect(unknown).toEqual({
      code: 1,
      stderr: 'fleetchat serve: HOST=no-such-host.invalid is not a name this machine can resolve: set HOST to an address of this machine (127.0.0.1 for this machine only, 0.0.0.0 for every address)\n',
    });
    expect(foreign).toEqual({
      code: 1,
      stderr: 'fleetchat serve: HOST=192.0.2.1 is not an address of this machine: set HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for every address)\n',
    });
  }, 30_000);

  // /proc refuses new entries with ENOENT although it exists: Node's recursive mkdir looped there forever.
  it.skipIf(!fs.existsSync('/proc/self')).concurrent('a data folder or SQLite folder that the file system will not create, at once', async () => {
    const [dataDir, sqliteFolder] = await Promise.all([
      serve({ DATA_DIR: '/proc/fleetchat-data' }),
      serve({ JWT_SECRET: 's'.repeat(40), DATABASE_URL: 'sqlite:/proc/fleetchat-data/fleetchat.db' }),
    ]);
    expect(dataDir).toEqual({
      code: 1,
      stderr: 'fleetchat serve: JWT_SECRET is not set and the generated key cannot be kept in /proc/fleetchat-data/jwt-secret: /proc/fleetchat-data does not exist and cannot be created; set JWT_SECRET (at least 32 characters), or DATA_DIR to a folder fleetchat may write\n',
    });
    expect(sqliteFolder).toEqual({
      code: 1,
      stderr: 'fleetchat serve: cannot open the SQLite database /proc/fleetchat-data/fleetchat.db: /proc/fleetchat-data does not exist and cannot be created; fix DATABASE_URL (sqlite:<a file path fleetchat may create and write>)\n',
    });
  }, 30_000);

  it.skipIf(!postgresAvailable)('a PostgreSQL database or user that does not exist, or no SSL where sslmode asks for it', async () => {
    const server = new URL(testDatabaseUrl);
    const at = `${server.hostname}:${server.port || 5432}`;
    const missingDatabase = new URL(testDatabaseUrl);
    missingDatabase.pathname = '/fleetchat_no_such_database';
    const missingUser = new URL(testDatabaseUrl);
    missingUser.username = 'fleetchat_no_such_user';
    missingUser.password = '';
    const secret = { JWT_SECRET: 's'.repeat(40) };
    // The test server has no SSL; sslmode=require used to add pg's own multi-line warning.
    const requiresSsl = new URL(testDatabaseUrl);
    requiresSsl.searchParams.set('sslmode', 'require');
    const [database, user, ssl] = await Promise.all([
      serve({ ...secret, DATABASE_URL: missingDatabase.toString() }),
      serve({ ...secret, DATABASE_URL: missingUser.toString() }),
      serve({ ...secret, DATABASE_URL: requiresSsl.toString() }),
    ]);
    expect(database).toEqual({
      code: 1,
      stderr: `fleetchat serve: PostgreSQL at ${at}/fleetchat_no_such_database: database "fleetchat_no_such_database" does not exist: create it (e.g. createdb "fleetchat_no_such_database"), or fix the database name in DATABASE_URL\n`,
    });
    expect(ssl).toEqual({
      code: 1,
      stderr: `fleetchat serve: PostgreSQL at ${at}${server.pathname} does not accept SSL connections: remove sslmode from DATABASE_URL, or enable SSL on the server\n`,
    });
    expect(user.code).toBe(1);
    // The server's wording for an unknown role depends on its authentication method; what to do does not.
    expect(user.stderr).toMatch(new RegExp(`^fleetchat serve: PostgreSQL at ${at.replace(/\./g, '\\.')}${server.pathname.replace(/\//g, '\\/')} refused the login \\(.*fleetchat_no_such_user.*\\): fix the user or password in DATABASE_URL\\n$`));
  }, 30_000);
});
