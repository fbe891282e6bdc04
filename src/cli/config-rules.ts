/**
 * Values a command takes that the configuration takes too (a token lifetime as JWT_TTL, an email
 * as FLEETCHAT_ADMIN_EMAIL, a workspace name as the fleet file's `workspace:`), checked by the
 * configuration's own readers so that the two can never disagree; a refusal names the option
 * instead of the variable or the file.
 */
import { ConfigError, quoteValue } from '../config/config-error.ts';
import { EnvironmentReader } from '../config/env-reader.ts';
import { readAdminEmail, readJwtTtl } from '../config/env.ts';
import { hasControlCharacters, longestWorkspaceName } from '../config/fleet-agents.ts';
import { FleetFileChecker, type PathSegment } from '../config/fleet-checks.ts';
import { UsageError } from './command.ts';

/** `value` of `option` read by the configuration's reader of `variable`, given that variable alone. */
function readAs<Value>(option: string, value: string, variable: string, read: (reader: EnvironmentReader) => Value): Value {
  // The reader counts an empty variable as unset and would answer with its default.
  if (value === '') throw new UsageError(`${option} is empty: give a value, or leave ${option} out`);
  try {
    return read(new EnvironmentReader({ [variable]: value }));
  } catch (error) {
    if (error instanceof ConfigError && error.message.startsWith(`${variable} `)) {
      throw new UsageError(`${option}${error.message.slice(variable.length)}`);
    }
    throw error;
  }
}

/** Seconds of a token lifetime, as JWT_TTL accepts it (1s to 365d). */
export const readTokenLifetime = (option: string, value: string): number => readAs(option, value, 'JWT_TTL', readJwtTtl);

/** An email address, as FLEETCHAT_ADMIN_EMAIL accepts it (`admin@localhost` included). */
export const readEmail = (option: string, value: string): string => readAs(option, value, 'FLEETCHAT_ADMIN_EMAIL', readAdminEmail);

/** The fleet file's checks, refusing in the command line's words: the argument, not a file and a path in it. */
class ArgumentChecker extends FleetFileChecker {
  constructor() {
    super('the command line');
  }

  override fail(at: readonly PathSegment[], message: string): never {
    throw new UsageError(`${String(at.at(-1))} ${message}`);
  }
}


/** A new workspace's name: what the fleet file accepts, without control characters (it is printed on terminals). */
export function readWorkspaceName(argument: string, value: string | undefined): string {
  const name = new ArgumentChecker().requiredText({ [argument]: value }, argument, [], longestWorkspaceName);
  if (hasControlCharacters(name)) throw new UsageError(`${argument} must not contain control characters (got ${quoteValue(name)})`);
  return name;
}
