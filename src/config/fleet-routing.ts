/**
 * The fleet-wide `routing:` settings. ROUTING_MODE and ROUTING_RECENT_WINDOW_MINUTES override
 * the file, so an operator can switch the router without editing a file under version control.
 */
import { ConfigError } from './config-error.ts';
import { checkModelReference, type AgentContext } from './fleet-agents.ts';
import type { EnvironmentSettings } from './env.ts';
import type { RoutingSettings } from './types.ts';

const routingKeys = ['mode', 'embeddingsModel', 'llmModel', 'recentWindowMinutes', 'threshold'] as const;
const routingModes = ['embedded', 'embeddings', 'encoder', 'llm'] as const;

export function resolveRouting(
  value: unknown,
  context: AgentContext,
  fromEnvironment: EnvironmentSettings['routing'],
): RoutingSettings {
  const { checker } = context;
  const at = ['routing'];
  const mapping = value === undefined || value === null ? {} : checker.mapping(value, at, 'a mapping with mode, …');
  checker.knownKeys(mapping, routingKeys, at);

  const routing: RoutingSettings = {
    mode: fromEnvironment.mode ?? checker.optionalChoice(mapping, 'mode', at, routingModes) ?? 'embedded',
    recentWindowMinutes:
      fromEnvironment.recentWindowMinutes ??
      checker.optionalInteger(mapping, 'recentWindowMinutes', at, { minimum: 0, maximum: 10_080 }) ??
      30,
  };
  for (const key of ['embeddingsModel', 'llmModel'] as const) {
    if (mapping[key] === undefined || mapping[key] === null) continue;
    routing[key] = checkModelReference(mapping[key], [...at, key], context);
  }
  const threshold = checker.optionalFraction(mapping, 'threshold', at);
  if (threshold !== undefined) routing.threshold = threshold;

  requireModelOfMode(routing, fromEnvironment.mode !== undefined, checker.label);
  return routing;
}

/**
 * Refuses a mode that cannot work: `embeddings` and `llm` each need a model to call.
 * `fleetName` is the file's label, or a phrase for the demo fleet.
 */
export function requireModelOfMode(routing: RoutingSettings, modeFromEnvironment: boolean, fleetName: string): void {
  const needed = routing.mode === 'embeddings' ? 'embeddingsModel' : routing.mode === 'llm' ? 'llmModel' : undefined;
  if (needed === undefined || routing[needed] !== undefined) return;
  const where = modeFromEnvironment ? `ROUTING_MODE=${routing.mode}` : `${fleetName}: routing.mode ${routing.mode}`;
  throw new ConfigError(`${where} needs routing.${needed} ("provider/model") in the fleet file (${fleetName})`);
}
