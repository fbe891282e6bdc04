/**
 * Values a command takes that the configuration takes too (a token lifetime as JWT_TTL, an email
 * as FLEETCHAT_ADMIN_EMAIL, a workspace name as the fleet file's `workspace:`), checked by the
 * configuration's own rules so that the two can never disagree. config/ applies those rules while
 * it reads the environment or the fleet file and does not export them apart, so they are reached
 * through its readers here, and a refusal names the option instead of the variable or the file.
 */
import { ConfigError, quoteValue } from '../config/config-error.ts';
import { readEnvironment } from '../config/env.ts';
import { FleetFileChecker, type PathSegment } from '../config/fleet-checks.ts';
import type { Settings } from '../config/types.ts';
import { UsageError } from './command.ts';

/**
 * `value` of `option` as the configuration reads `variable`: from an environment holding that
 * variable alone, so every other setting is its default and only this one can be refused.
 */
function readAs<Value>(option: string, value: string, variable: string, pick: (settings: Settings) => Value): Value {
  // The reader counts an empty variable as unset and would answer with its default.
  if (value === '') throw new UsageError(`${option} is empty: give a value, or leave ${option} out`);
  try {
    return pick(readEnvironment({ [variable]: value }, process.cwd()).config);
  } catch (error) {
    if (error instanceof ConfigError && error.message.startsWith(`${variable} `)) {
      throw new UsageError(`${option}${error.message.slice(variable.length)}`);
    }
    throw error;
  }
}

/** Seconds of a token lifetime, as JWT_TTL accepts it (1s to 365d). */
export const readTokenLifetime = (option: string, value: string): number => readAs(option, value, 'JWT_TTL', (settings) => settings.jwtTtlSeconds);

/** An email address, as FLEETCHAT_ADMIN_EMAIL accepts it (`admin@localhost` included). */
export const readEmail = (option: string, value: string): string => readAs(option, value, 'FLEETCHAT_ADMIN_EMAIL', (settings) => settings.adminEmail);

/** The fleet file's checks, refusing in the command line's words: the argument, not a file and a path in it. */
class ArgumentChecker extends FleetFileChecker {
  constructor() {
    super('the command line');
  }

  override fail(at: readonly PathSegment[], message: string): never {
    throw new UsageError(`${String(at.at(-1))} ${message}`);
  }
}

/** As long as config/fleet-agents.ts lets an agent's `workspace:` be, which names workspaces there. */
const longestWorkspaceName = 100;

/** A new workspace's name: what the fleet file accepts, without control characters (it is printed on terminals). */
export function readWorkspaceName(argument: string, value: string | undefined): string {
  const name = new ArgumentChecker().requiredText({ [argument]: value }, argument, [], longestWorkspaceName);
  if (/\p{Cc}/u.test(name)) throw new UsageError(`${argument} must not contain control characters (got ${quoteValue(name)})`);
  return name;
}
