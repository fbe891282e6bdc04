/**
 * The command line of one command, read before it runs: its options and as many arguments as it
 * takes. Anything else is refused with what was probably meant, because a word silently ignored
 * (`serve 4000`) or an option that does not exist (`serve --port 4000`) leaves the user believing
 * it was applied.
 */
import { parseArgs } from 'node:util';
import { quoteValue } from '../config/config-error.ts';
import { UsageError, type Command } from './command.ts';

/**
 * Options people reach for that are settings: every command reads them from the environment
 * (docs/CONFIG.md), so the message names the variable to set instead.
 */
const settingVariables: Record<string, string> = {
  port: 'PORT',
  host: 'HOST',
  database: 'DATABASE_URL',
  'database-url': 'DATABASE_URL',
  redis: 'REDIS_URL',
  'redis-url': 'REDIS_URL',
  'jwt-secret': 'JWT_SECRET',
  'jwt-ttl': 'JWT_TTL',
  'data-dir': 'DATA_DIR',
  config: 'FLEETCHAT_CONFIG',
  'log-level': 'LOG_LEVEL',
  'routing-mode': 'ROUTING_MODE',
};

export interface CommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
}

/** `args` read against `command`'s options (plus --help), or a UsageError saying what is wrong. */
export function readCommandLine(name: string, command: Command, args: string[]): CommandLine {
  const options = { ...command.options, help: { type: 'boolean' as const, short: 'h' } };
  const seeHelp = `see "fleetchat ${name} --help"`;
  let parsed: { values: CommandLine['values']; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${unknownOption(args, options)}; ${seeHelp}`);
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(`${(error as Error).message}; ${seeHelp}`);
    throw error;
  }
  const { help, ...values } = parsed.values;
  if (help === true) return { values, positionals: parsed.positionals, help: true };
  const extra = parsed.positionals.slice(command.maxPositionals ?? 0);
  if (extra.length > 0) {
    const listed = extra.map((value) => quoteValue(value)).join(', ');
    throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${listed} (usage: fleetchat ${command.usage}); ${seeHelp}`);
  }
  return { values, positionals: parsed.positionals, help: false };
}

/**
 * Node's own message for an unknown option suggests quoting it after `--` (and leaves a quote
 * open); what helps is the variable it is a setting of, if it is one.
 */
function unknownOption(args: string[], options: Record<string, unknown>): string {
  // Read again leniently, for the first option the command does not have (and how it was written).
  const { tokens } = parseArgs({ args, options: options as never, allowPositionals: true, strict: false, tokens: true });
  const unknown = tokens.find((token) => token.kind === 'option' && !Object.hasOwn(options, token.name));
  if (unknown === undefined || unknown.kind !== 'option') return 'unknown option';
  const variable = settingVariables[unknown.name];
  return `unknown option ${unknown.rawName}${variable === undefined ? '' : `: set the ${variable} environment variable instead`}`;
}
