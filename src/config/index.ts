/**
 * The public surface of config/: `loadConfig` reads the environment map and the fleet file once,
 * validates everything and returns a deeply frozen Config, or throws a one-line ConfigError.
 * `loadSettings` does the same with the environment alone, for what never uses the fleet.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, quoteValue } from './config-error.ts';
import { buildDemoFleet } from './demo-fleet.ts';
import { EnvironmentReader, type Environment } from './env-reader.ts';
import { readEnvironment } from './env.ts';
import { readFleetFile } from './fleet-file.ts';
import type { Config, Settings } from './types.ts';

export { ConfigError } from './config-error.ts';
export { parseDurationSeconds } from './durations.ts';
export { demoFleetSource } from './demo-fleet.ts';
export type { Environment } from './env-reader.ts';
export type { Config, Fleet, FleetAgent, RoutingSettings, Settings } from './types.ts';

export interface LoadConfigOptions {
  /** The environment to read, usually `process.env`; read only through this map. */
  env: Environment;
  /** The folder relative paths (fleet file, SQLite file, DATA_DIR) are resolved against. */
  cwd: string;
}

export function loadConfig(options: LoadConfigOptions): Config {
  const settings = readEnvironment(options.env, options.cwd);
  const fleetFile = chooseFleetFile(options.env, options.cwd);
  const fleet =
    fleetFile === undefined
      ? buildDemoFleet(settings)
      : readFleetFile(fleetFile, { environment: options.env, cwd: options.cwd, settings });
  // Frozen so that no module can change a setting after start and surprise every other one.
  return deepFreeze({ ...settings.config, fleet });
}

/**
 * The environment's settings, validated and frozen as `loadConfig` returns them, without looking
 * for a fleet file: a command that uses no agent and no provider must not fail on one.
 */
export function loadSettings(options: LoadConfigOptions): Settings {
  return deepFreeze(readEnvironment(options.env, options.cwd).config);
}

/**
 * FLEETCHAT_CONFIG when set (and then it must exist: a typo must not silently start the demo
 * fleet), else ./fleetchat.yaml or ./fleetchat.yml, else ./fleetchat.json, else none (the demo
 * fleet). Both YAML spellings at once are refused: one of them would be ignored without a word.
 */
export function chooseFleetFile(environment: Environment, cwd: string): string | undefined {
  const named = new EnvironmentReader(environment).text('FLEETCHAT_CONFIG');
  if (named !== undefined) {
    const absolute = path.resolve(cwd, named);
    if (!fs.existsSync(absolute)) {
      throw new ConfigError(`FLEETCHAT_CONFIG must name an existing .yaml, .yml or .json fleet file (got ${quoteValue(named)}, not found at ${absolute})`);
    }
    const stats = fs.statSync(absolute);
    if (!stats.isFile()) {
      const what = stats.isDirectory() ? 'a folder' : 'a device, pipe or socket';
      throw new ConfigError(`FLEETCHAT_CONFIG must name a fleet file, not ${what} (got ${quoteValue(named)})`);
    }
    return absolute;
  }
  const yamlFiles = ['fleetchat.yaml', 'fleetchat.yml'].filter((name) => fs.existsSync(path.join(cwd, name)));
  if (yamlFiles.length > 1) {
    throw new ConfigError(`${yamlFiles.join(' and ')} are both in ${cwd}: delete one, or set FLEETCHAT_CONFIG to the one to use`);
  }
  const found = yamlFiles[0] ?? (fs.existsSync(path.join(cwd, 'fleetchat.json')) ? 'fleetchat.json' : undefined);
  return found === undefined ? undefined : path.join(cwd, found);
}

function deepFreeze<Value>(value: Value): Value {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
