/** What every command is: its usage line, its options, what it takes, and how it runs. */
import type { ParseArgsConfig } from 'node:util';
import type { Config, Environment, Settings } from '../config/index.ts';

/** A refusal of what the user typed: printed as one line after the command's name, exit 1. */
export class UsageError extends Error {}

export interface Command {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** How many arguments (besides options) it takes; none unless said. */
  maxPositionals?: number;
  run(input: {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
    /**
     * The environment's settings, read (and validated) on the first call only, without the fleet
     * file: what a command that uses no agent and no provider calls, so that a broken fleet file
     * does not stop it.
     */
    settings: () => Settings;
    /** The settings and the fleet (the fleet file, else the demo fleet): for the commands that use the fleet. */
    config: () => Config;
    /** The environment the command runs with, for the variables only the CLI reads (FLEETCHAT_URL). */
    env: Environment;
  }): Promise<number>;
}
