/**
 * Reads a fleet file (YAML or JSON by extension), expands `${VAR}` from the environment map and
 * turns it into a Fleet, refusing anything unexpected with the file and the path inside it.
 */
import path from 'node:path';
import type { ProviderSettings } from '../providers/chat-model.ts';
import { redactUrl } from './config-error.ts';
import { isHttpUrl, type Environment } from './env-reader.ts';
import type { EnvironmentSettings } from './env.ts';
import { expandVariables } from './expand-variables.ts';
import { readAgents, type AgentContext } from './fleet-agents.ts';
import { FleetFileChecker, type Mapping, type PathSegment } from './fleet-checks.ts';
import { resolveRouting } from './fleet-routing.ts';
import { parseFleetFile } from './fleet-text.ts';
import { hasCredentials, headerNameRule, headerValueProblem, isHeaderName } from './http-values.ts';
import type { Fleet } from './types.ts';

const topLevelKeys = ['providers', 'defaultAgent', 'routing', 'agents'] as const;
const providerKeys = ['type', 'baseUrl', 'apiKey', 'headers', 'latencyMs', 'chunkDelayMs', 'answerWords'] as const;
const providerTypes = ['openai', 'anthropic', 'mock'] as const;

export interface FleetFileOptions {
  environment: Environment;
  cwd: string;
  settings: EnvironmentSettings;
}

export function readFleetFile(filePath: string, options: FleetFileOptions): Fleet {
  const absolute = path.resolve(options.cwd, filePath);
  const relative = path.relative(options.cwd, absolute);
  const label = relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
  const checker = new FleetFileChecker(label);

  const expanded = expandVariables(parseFleetFile(absolute, checker), options.environment, checker);
  checker.storableTexts(expanded);
  const root = checker.mapping(expanded, [], 'a mapping with agents (and optionally providers, defaultAgent, routing)');
  checker.knownKeys(root, topLevelKeys, []);

  const providers = mergeProviders(options.settings.providers, readProviders(root, checker));
  const context: AgentContext = {
    checker,
    directory: path.dirname(absolute),
    providerNames: new Set(providers.map((provider) => provider.name)),
  };
  const agents = readAgents(root.agents, context);

  const defaultAgentName = checker.optionalText(root, 'defaultAgent', [], 100)?.trim();
  let defaultAgent: string | undefined;
  if (defaultAgentName !== undefined) {
    // Matched like names are unique (regardless of case) and reported in the agent's spelling.
    defaultAgent = agents.find((agent) => agent.name.toLowerCase() === defaultAgentName.toLowerCase())?.name;
    if (defaultAgent === undefined) {
      const names = agents.map((agent) => agent.name).join(', ') || 'none';
      checker.fail(['defaultAgent'], `must be the name of one of the agents (got "${defaultAgentName}"; agents: ${names})`);
    }
  }

  return {
    source: absolute,
    providers,
    ...(defaultAgent === undefined ? {} : { defaultAgent }),
    routing: resolveRouting(root.routing, context, options.settings.routing),
    agents,
  };
}

function readProviders(root: Mapping, checker: FleetFileChecker): ProviderSettings[] {
  if (root.providers === undefined || root.providers === null) return [];
  const mapping = checker.mapping(root.providers, ['providers'], 'a mapping from provider name to settings');
  return Object.entries(mapping).map(([name, value]) => {
    const at = ['providers', name];
    // The name is the part before the first "/" of `provider/model`.
    if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) checker.fail(at, 'is not a usable provider name (letters, digits, ".", "_" and "-"; no "/")');
    const settings = checker.mapping(value, at, 'a mapping with type, baseUrl, apiKey, …');
    checker.knownKeys(settings, providerKeys, at);
    const type = checker.optionalChoice(settings, 'type', at, providerTypes);
    if (type === undefined) checker.fail([...at, 'type'], `is required (one of ${providerTypes.join(', ')})`);
    const provider: ProviderSettings = { name, type };

    const baseUrl = checker.optionalText(settings, 'baseUrl', at, 2000);
    if (baseUrl !== undefined) {
      if (!isHttpUrl(baseUrl)) checker.expected([...at, 'baseUrl'], 'an http:// or https:// URL', redactUrl(baseUrl));
      if (hasCredentials(baseUrl)) {
        checker.fail(
          [...at, 'baseUrl'],
          `must not contain a user name or password, which fetch refuses to send; use apiKey or headers instead (got "${redactUrl(baseUrl)}")`,
        );
      }
      provider.baseUrl = baseUrl.replace(/\/+$/, '');
    }
    // Keys are often `${VAR:-none}` for servers without auth; any text an HTTP header can carry
    // is accepted (and never echoed).
    const apiKey = checker.optionalText(settings, 'apiKey', at, 4000);
    if (apiKey !== undefined) provider.apiKey = checkHeaderValue(apiKey, [...at, 'apiKey'], checker);
    if (settings.headers !== undefined && settings.headers !== null) {
      provider.headers = readHeaders(settings.headers, [...at, 'headers'], checker);
    }
    for (const key of ['latencyMs', 'chunkDelayMs'] as const) {
      const delay = checker.optionalInteger(settings, key, at, { minimum: 0, maximum: 60_000 });
      if (delay === undefined) continue;
      if (type !== 'mock') checker.fail([...at, key], 'applies to providers of type mock only');
      provider[key] = delay;
    }
    const answerWords = checker.optionalInteger(settings, 'answerWords', at, { minimum: 1, maximum: 100_000 });
    if (answerWords !== undefined) {
      if (type !== 'mock') checker.fail([...at, 'answerWords'], 'applies to providers of type mock only');
      provider.answerWords = answerWords;
    }
    return provider;
  });
}

function readHeaders(value: unknown, at: PathSegment[], checker: FleetFileChecker): Record<string, string> {
  const headers = checker.mapping(value, at, 'a mapping from header name to text');
  const seen = new Map<string, string>();
  for (const [header, headerValue] of Object.entries(headers)) {
    if (!isHeaderName(header)) checker.fail([...at, header], `is not a usable HTTP header name: ${headerNameRule}`);
    // fetch would join the two values into one header, which no provider expects.
    const earlier = seen.get(header.toLowerCase());
    if (earlier !== undefined) checker.fail([...at, header], `is the same header as ${earlier} (header names ignore case); keep one`);
    seen.set(header.toLowerCase(), header);
    if (typeof headerValue !== 'string') checker.expected([...at, header], 'text', headerValue);
    checkHeaderValue(headerValue, [...at, header], checker);
  }
  return headers as Record<string, string>;
}

function checkHeaderValue(value: string, at: PathSegment[], checker: FleetFileChecker): string {
  const problem = headerValueProblem(value);
  if (problem !== undefined) checker.fail(at, problem);
  return value;
}

/** The environment's providers first, each replaced in place by a fleet provider of its name. */
export function mergeProviders(fromEnvironment: ProviderSettings[], fromFile: ProviderSettings[]): ProviderSettings[] {
  const merged = fromEnvironment.map((provider) => fromFile.find((candidate) => candidate.name === provider.name) ?? provider);
  return [...merged, ...fromFile.filter((provider) => !merged.includes(provider))];
}
