import { quoteValue } from '../config/config-error.ts';
import { loadConfig, loadSettings, type Config, type Settings } from '../config/index.ts';
import { readCommandLine } from './arguments.ts';
import { chatCommand } from './chat.ts';
import type { Command } from './command.ts';
import { explainFailure } from './failure-hints.ts';
import { migrateCommand, routeCommand, tokenCommand, userAddCommand, userListCommand, userPasswordCommand, userRoleCommand, workspaceAddCommand } from './admin-commands.ts';
import { serveCommand } from './serve.ts';

export { UsageError, type Command } from './command.ts';

const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  'user add': userAddCommand,
  'user list': userListCommand,
  'user role': userRoleCommand,
  'user password': userPasswordCommand,
  'workspace add': workspaceAddCommand,
  token: tokenCommand,
  chat: chatCommand,
  route: routeCommand,
};

const listOf = (names: string[]) => names.map((name) => `  ${name.padEnd(15)} ${commands[name].summary}`).join('\n');

const overview = `fleetchat: a chat gateway for fleets of AI agents

Usage: fleetchat <command> [options]    (fleetchat <command> --help for its options)

Commands:
${listOf(Object.keys(commands))}

Every command reads the same environment as the server (see docs/CONFIG.md); serve and route
also read the fleet file, and chat with a URL and a token reads nothing local.`;

function helpOf(name: string, command: Command): string {
  const lines = Object.entries(command.options).map(([option, spec]) => {
    const flag = `--${option}${spec.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(24)} ${(spec as { description?: string }).description ?? ''}`;
  });
  lines.push(`  ${'--help'.padEnd(24)} show this help`);
  return `Usage: fleetchat ${command.usage}\n\n${command.summary}\n\nOptions:\n${lines.join('\n')}`;
}

const isHelp = (word: string | undefined) => word === '--help' || word === '-h' || word === 'help';

/**
 * `fleetchat user` and the like: a group's help lists its sub-commands; without one, or with an
 * unknown one, one line says which exist. Undefined when `group` is not a group.
 */
function answerGroup(group: string, next: string | undefined): number | undefined {
  const members = Object.keys(commands).filter((name) => name.startsWith(`${group} `));
  if (members.length === 0) return undefined;
  if (isHelp(next)) {
    process.stdout.write(`Usage: fleetchat ${group} <sub-command> [options]\n\nSub-commands:\n${listOf(members)}\n\nRun "fleetchat ${group} <sub-command> --help" for its options.\n`);
    return 0;
  }
  const what = next === undefined || next.startsWith('-') ? 'give a sub-command:' : `unknown sub-command ${quoteValue(next)}; the sub-commands are:`;
  process.stderr.write(`fleetchat ${group}: ${what} ${members.join(', ')}; see "fleetchat ${group} --help"\n`);
  return 2;
}

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || isHelp(first)) {
    process.stdout.write(overview + '\n');
    return first === undefined ? 1 : 0;
  }
  const twoWords = second !== undefined ? `${first} ${second}` : '';
  const name = commands[twoWords] ? twoWords : first;
  const command = commands[name];
  if (!command) {
    const answered = answerGroup(first, second);
    if (answered !== undefined) return answered;
    process.stderr.write(`fleetchat: unknown command "${first}"; run "fleetchat --help" for the list.\n`);
    return 2;
  }
  const rest = argv.slice(name.split(' ').length);
  let settings: Settings | undefined;
  let config: Config | undefined;
  try {
    const { values, positionals, help } = readCommandLine(name, command, rest);
    if (help) {
      process.stdout.write(helpOf(name, command) + '\n');
      return 0;
    }
    return await command.run({
      values,
      positionals,
      env,
      settings: () => (settings ??= config ?? loadSettings({ env, cwd: process.cwd() })),
      config: () => (config ??= loadConfig({ env, cwd: process.cwd() })),
    });
  } catch (error) {
    // ConfigError, UsageError and AppError say what to do in their message; anything else at
    // least says what failed.
    const message = explainFailure(error, config ?? settings) ?? (error instanceof Error ? error.message : String(error));
    process.stderr.write(`fleetchat ${name}: ${message}\n`);
    return 1;
  }
}
