/**
 * What the command line refuses before a command runs: arguments a command does not take, an
 * option it does not have (and the variable to set instead), a command group without its
 * sub-command. Each case is a real process; none of them may touch the database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-arguments-'));
const databaseFile = path.join(directory, 'fleetchat.db');
const env = { DATABASE_URL: `sqlite:${databaseFile}`, JWT_SECRET: 'arguments-test-secret-that-is-at-least-32-characters', PORT: '0', HOST: '127.0.0.1' };
const fleetchat = (...args: string[]) => runCli(args, env, 15_000);

afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('fleetchat command line', () => {
  it('refuses arguments a command does not take, naming them, and runs nothing', async () => {
    const [serve, migrate, token, userAdd, workspaceAdd, twoExtra] = await Promise.all([
      fleetchat('serve', '4000'),
      fleetchat('migrate', 'now'),
      fleetchat('token', '--email', 'x@example.test', 'extra'),
      fleetchat('user', 'add', '--email', 'x@example.test', '--password', 'a-long-enough-password', 'extra'),
      fleetchat('workspace', 'add', 'acme', 'extra', '--admin-email', 'boss@acme.test', '--admin-password', 'a-long-enough-password'),
      fleetchat('migrate', 'now', 'please'),
    ]);
    expect(serve).toEqual({ code: 1, stdout: '', stderr: 'fleetchat serve: unexpected argument "4000" (usage: fleetchat serve); see "fleetchat serve --help"\n' });
    expect(migrate.stderr).toBe('fleetchat migrate: unexpected argument "now" (usage: fleetchat migrate); see "fleetchat migrate --help"\n');
    expect(token.stderr).toBe('fleetchat token: unexpected argument "extra" (usage: fleetchat token --email E [--ttl 1h]); see "fleetchat token --help"\n');
    expect(userAdd.stderr).toBe(
      'fleetchat user add: unexpected argument "extra" (usage: fleetchat user add --email E --password P [--role admin|member] [--workspace NAME]); see "fleetchat user add --help"\n',
    );
    expect(workspaceAdd.stderr).toBe(
      'fleetchat workspace add: unexpected argument "extra" (usage: fleetchat workspace add NAME --admin-email E --admin-password P); see "fleetchat workspace add --help"\n',
    );
    expect(twoExtra.stderr).toBe('fleetchat migrate: unexpected arguments "now", "please" (usage: fleetchat migrate); see "fleetchat migrate --help"\n');
    for (const refused of [migrate, token, userAdd, workspaceAdd, twoExtra]) expect(refused.code).toBe(1);
    // Refused before anything ran: not even the migration that creates the SQLite file.
    expect(fs.existsSync(databaseFile)).toBe(false);
  }, 30_000);

  it('lists the sub-commands of a command group, and says when one is missing or unknown', async () => {
    const [userHelp, workspaceHelp, workspace, unknown, forgotten] = await Promise.all([
      fleetchat('user', '--help'),
      fleetchat('workspace', '-h'),
      fleetchat('workspace'),
      fleetchat('user', 'remove'),
      fleetchat('user', '--email', 'x@example.test'),
    ]);
    expect(userHelp).toEqual({
      code: 0,
      stdout: 'Usage: fleetchat user <sub-command> [options]\n\nSub-commands:\n  user add        Create a user\n  user list       List the users of a workspace: email, role, id, creation time\n  user role       Make a user an admin or a member of its workspace (e.g. a workspace left without an admin)\n  user password   Set a user\'s password (a new one is generated and printed without --password)\n\nRun "fleetchat user <sub-command> --help" for its options.\n',
      stderr: '',
    });
    expect(workspaceHelp.code).toBe(0);
    expect(workspaceHelp.stdout).toContain('  workspace add   Create a workspace with its first admin\n');
    expect(workspace).toEqual({ code: 2, stdout: '', stderr: 'fleetchat workspace: give a sub-command: workspace add; see "fleetchat workspace --help"\n' });
    expect(unknown).toEqual({ code: 2, stdout: '', stderr: 'fleetchat user: unknown sub-command "remove"; the sub-commands are: user add, user list, user role, user password; see "fleetchat user --help"\n' });
    expect(forgotten.stderr).toBe('fleetchat user: give a sub-command: user add, user list, user role, user password; see "fleetchat user --help"\n');
  }, 30_000);

  it('says which variable to set for an option that is a setting, with balanced quotes', async () => {
    const [port, host, short, unknown] = await Promise.all([
      fleetchat('serve', '--port', '4000'),
      fleetchat('serve', '--host=::'),
      fleetchat('serve', '-p', '4000'),
      fleetchat('migrate', '--frobnicate'),
    ]);
    expect(port).toEqual({ code: 1, stdout: '', stderr: 'fleetchat serve: unknown option --port: set the PORT environment variable instead; see "fleetchat serve --help"\n' });
    expect(host.stderr).toBe('fleetchat serve: unknown option --host: set the HOST environment variable instead; see "fleetchat serve --help"\n');
    expect(short.stderr).toBe('fleetchat serve: unknown option -p; see "fleetchat serve --help"\n');
    expect(unknown.stderr).toBe('fleetchat migrate: unknown option --frobnicate; see "fleetchat migrate --help"\n');
    expect(fs.existsSync(databaseFile)).toBe(false);
  }, 30_000);
});
