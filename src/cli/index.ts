import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.ts';
import type { Config } from '../config/types.ts';
import { AppError } from '../errors.ts';
import { chatCommand } from './chat.ts';
import { explainFailure } from './failure-hints.ts';
import { migrateCommand, routeCommand, tokenCommand, userAddCommand, workspaceAddCommand } from './admin-commands.ts';
import { serveCommand } from './serve.ts';

export class UsageError extends Error {}

export interface Command {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(input: { values: Record<string, string | boolean | undefined>; positionals: string[]; config: () => Config }): Promise<number>;
}

const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  'user add': userAddCommand,
  'workspace add': workspaceAddCommand,
  token: tokenCommand,
  chat: chatCommand,
  route: routeCommand,
};

const overview = `fleetchat: a chat gateway for fleets of AI agents

Usage: fleetchat <command> [options]    (fleetchat <command> --help for its options)

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(15)} ${command.summary}`)
  .join('\n')}

Every command reads the same environment as the server (see docs/CONFIG.md).`;

function helpOf(name: string, command: Command): string {
  const lines = Object.entries(command.options).map(([option, spec]) => {
    const flag = `--${option}${spec.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(24)} ${(spec as { description?: string }).description ?? ''}`;
  });
  return `Usage: fleetchat ${command.usage}\n\n${command.summary}\n\nOptions:\n${lines.join('\n')}\n  ${'--help'.padEnd(24)} show this help`;
}

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(overview + '\n');
    return first === undefined ? 1 : 0;
  }
  const twoWords = second !== undefined ? `${first} ${second}` : '';
  const name = commands[twoWords] ? twoWords : first;
  const command = commands[name];
  if (!command) {
    process.stderr.write(`fleetchat: unknown command "${first}"; run "fleetchat --help" for the list.\n`);
    return 2;
  }
  const rest = argv.slice(name.split(' ').length);
  let config: Config | undefined;
  try {
    const options = { ...command.options, help: { type: 'boolean' as const, short: 'h' } };
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    if (values.help) {
      process.stdout.write(helpOf(name, command) + '\n');
      return 0;
    }
    return await command.run({ values, positionals, config: () => (config ??= loadConfig({ env, cwd: process.cwd() })) });
  } catch (error) {
    const message =
      explainFailure(error, config) ??
      (error instanceof ConfigError || error instanceof UsageError || error instanceof AppError
        ? error.message
        : error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
          ? `${error.message}; run "fleetchat ${name} --help"`
          : error instanceof Error
            ? error.message
            : String(error));
    process.stderr.write(`fleetchat ${name}: ${message}\n`);
    return 1;
  }
}
