/**
 * The `agents:` list of the fleet file: each entry checked field by field, SOUL paths read
 * relative to the file, model references checked against the providers that exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatPath, type FleetFileChecker, type Mapping, type PathSegment } from './fleet-checks.ts';
import { decodeUtf8 } from './fleet-text.ts';
import type { FleetAgent } from './types.ts';

const agentKeys = [
  'id', 'name', 'role', 'description', 'soul', 'model', 'routing', 'session', 'limits', 'workspace', 'status',
] as const;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const longestSoulCharacters = 100_000;
/** Workspace names, here and in `fleetchat workspace add`. */
export const longestWorkspaceName = 100;

/** A workspace is made by its name and shown on terminals and in the console: one line of text. */
export function hasControlCharacters(name: string): boolean {
  return /\p{Cc}/u.test(name);
}
/** The workspace of an agent without `workspace:` (and of the first admin). */
export const DEFAULT_WORKSPACE = 'default';

export interface AgentContext {
  checker: FleetFileChecker;
  /** The folder of the fleet file, against which SOUL paths are resolved. */
  directory: string;
  providerNames: ReadonlySet<string>;
}

export function readAgents(value: unknown, context: AgentContext): FleetAgent[] {
  const { checker } = context;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return checker.expected(['agents'], 'a list of agents', value);
  const agents = value.map((entry, index) => readAgent(entry, ['agents', index], context));

  // Names and ids identify agents in the store, so two entries sharing one would overwrite
  // each other at every start. The store keys agents by workspace and name (whatever the case),
  // and so does the sync of the file (agents/fleet-sync.ts): one name may serve two workspaces.
  const seenNames = new Map<string, number>();
  const seenIds = new Map<string, number>();
  agents.forEach((agent, index) => {
    const workspace = agent.workspace ?? DEFAULT_WORKSPACE;
    const key = JSON.stringify([workspace, agent.name.toLowerCase()]);
    const earlier = seenNames.get(key);
    if (earlier !== undefined) {
      checker.fail(
        ['agents', index, 'name'],
        `"${agent.name}" is already the name of agents[${earlier}] in workspace ${JSON.stringify(workspace)} (names are unique in a workspace, whatever the case)`,
      );
    }
    seenNames.set(key, index);
    if (agent.id === undefined) return;
    const earlierId = seenIds.get(agent.id);
    if (earlierId !== undefined) checker.fail(['agents', index, 'id'], `"${agent.id}" is already the id of agents[${earlierId}]`);
    seenIds.set(agent.id, index);
  });
  return agents;
}

function readAgent(entry: unknown, at: PathSegment[], context: AgentContext): FleetAgent {
  const { checker } = context;
  const mapping = checker.mapping(entry, at, 'a mapping with name, role, model, …');
  checker.knownKeys(mapping, agentKeys, at);

  const id = checker.optionalText(mapping, 'id', at, 36);
  if (id !== undefined && !uuidPattern.test(id)) checker.expected([...at, 'id'], 'a UUID', id);
  const name = checker.requiredText(mapping, 'name', at, 100).trim();
  const soul = readSoul(mapping, at, context);
  const workspace = checker.optionalText(mapping, 'workspace', at, longestWorkspaceName);
  if (workspace !== undefined && hasControlCharacters(workspace)) {
    checker.expected([...at, 'workspace'], 'a name without control characters such as line breaks', workspace);
  }

  const agent: FleetAgent = {
    ...(id === undefined ? {} : { id: id.toLowerCase() }),
    name,
    role: checker.requiredText(mapping, 'role', at, 200),
    description: checker.optionalText(mapping, 'description', at, 2000) ?? '',
    soul: soul ?? '',
    model: readModel(mapping.model, [...at, 'model'], context),
    routing: readRouting(mapping.routing, [...at, 'routing'], checker),
    session: readSession(mapping.session, [...at, 'session'], checker),
    limits: readLimits(mapping.limits, [...at, 'limits'], checker),
    ...(workspace === undefined ? {} : { workspace }),
    status: checker.optionalChoice(mapping, 'status', at, ['online', 'offline'] as const) ?? 'online',
  };
  if (soul === undefined) agent.soul = `# ${name}\n\nYou are ${name}, ${agent.role}. ${agent.description}`.trim() + '\n';
  return agent;
}

/**
 * A single line that looks like a path is a path and must exist: silently using the path
 * itself as the agent's SOUL would hide a typo in the file name.
 */
function readSoul(mapping: Mapping, at: PathSegment[], context: AgentContext): string | undefined {
  const { checker } = context;
  const soul = checker.optionalText(mapping, 'soul', at, longestSoulCharacters);
  if (soul === undefined) return undefined;
  const looksLikePath = !soul.includes('\n') && (/^(\.{0,2}\/)/.test(soul) || /\.(md|txt)$/i.test(soul.trim()));
  if (!looksLikePath) return soul;

  const soulPath = path.resolve(context.directory, soul.trim());
  let stats: fs.Stats;
  try {
    stats = fs.statSync(soulPath);
  } catch {
    return checker.fail([...at, 'soul'], `names the file ${soul.trim()}, which does not exist (looked for ${soulPath}); give an existing .md/.txt file or the SOUL text itself`);
  }
  if (!stats.isFile()) checker.fail([...at, 'soul'], `names ${soulPath}, which is not a file`);
  if (stats.size > 4 * longestSoulCharacters) {
    checker.fail([...at, 'soul'], `names ${soulPath}, which is larger than ${longestSoulCharacters} characters`);
  }
  const text = decodeUtf8(fs.readFileSync(soulPath));
  if (text === undefined) return checker.fail([...at, 'soul'], `names ${soulPath}, which is not UTF-8 text; save it as UTF-8`);
  if (text.includes('\u0000')) {
    checker.fail([...at, 'soul'], `names ${soulPath}, which contains NUL characters (is it a binary file?); a SOUL is UTF-8 text`);
  }
  if (text.trim() === '') checker.fail([...at, 'soul'], `names ${soulPath}, which is empty`);
  if (text.length > longestSoulCharacters) {
    checker.fail([...at, 'soul'], `names ${soulPath}, which is larger than ${longestSoulCharacters} characters`);
  }
  return text;
}

function readModel(value: unknown, at: PathSegment[], context: AgentContext): FleetAgent['model'] {
  const { checker } = context;
  if (value === undefined || value === null) checker.fail(at, 'is required ("provider/model", or { default, fallbacks })');
  // `model: openai/gpt-4o-mini` is the common case and reads better than a one-key mapping.
  if (typeof value === 'string') return { default: checkModelReference(value, at, context), fallbacks: [] };
  const mapping = checker.mapping(value, at, '"provider/model" or a mapping with default and fallbacks');
  checker.knownKeys(mapping, ['default', 'fallbacks'], at);
  if (mapping.default === undefined || mapping.default === null) checker.fail([...at, 'default'], 'is required ("provider/model")');
  const defaultModel = checkModelReference(mapping.default, [...at, 'default'], context);
  const fallbacks = checker
    .textList(mapping, 'fallbacks', at, 200)
    .map((fallback, index) => checkModelReference(fallback, [...at, 'fallbacks', index], context));
  // `${MODEL:-mock/x}` can make a fallback equal the default; trying the same model twice
  // after it failed would only double the wait, so repeats are dropped.
  const distinct = [...new Set(fallbacks)].filter((fallback) => fallback !== defaultModel);
  return { default: defaultModel, fallbacks: distinct };
}

/** `provider/model` whose provider exists; the model id may itself contain slashes (OpenRouter). */
export function checkModelReference(value: unknown, at: PathSegment[], context: AgentContext): string {
  const { checker, providerNames } = context;
  const parsed = typeof value === 'string' ? /^([^/\s]+)\/(\S+)$/.exec(value) : null;
  if (parsed === null) return checker.expected(at, '"provider/model"', value);
  const provider = parsed[1];
  if (!providerNames.has(provider)) {
    const howToDefine =
      provider === 'openai'
        ? 'set OPENAI_API_KEY or OPENAI_BASE_URL, or define it under providers'
        : provider === 'anthropic'
          ? 'set ANTHROPIC_API_KEY, or define it under providers'
          : 'define it under providers';
    checker.fail(at, `names provider "${provider}", which is not defined: ${howToDefine} (defined: ${[...providerNames].join(', ')})`);
  }
  return value as string;
}

function readRouting(value: unknown, at: PathSegment[], checker: FleetFileChecker): FleetAgent['routing'] {
  if (value === undefined || value === null) return { examples: [], keywords: [] };
  const mapping = checker.mapping(value, at, 'a mapping with examples and keywords');
  checker.knownKeys(mapping, ['examples', 'keywords'], at);
  return { examples: checker.textList(mapping, 'examples', at, 2000), keywords: checker.textList(mapping, 'keywords', at, 200) };
}

function readSession(value: unknown, at: PathSegment[], checker: FleetFileChecker): FleetAgent['session'] {
  const mapping = value === undefined || value === null ? {} : checker.mapping(value, at, 'a mapping with maxContextTokens');
  checker.knownKeys(mapping, ['maxContextTokens'], at);
  const maxContextTokens = checker.optionalInteger(mapping, 'maxContextTokens', at, { minimum: 256, maximum: 10_000_000 });
  return { maxContextTokens: maxContextTokens ?? 16_000 };
}

function readLimits(value: unknown, at: PathSegment[], checker: FleetFileChecker): FleetAgent['limits'] {
  const mapping = value === undefined || value === null ? {} : checker.mapping(value, at, 'a mapping with dailyTokenBudget and monthlyTokenBudget');
  checker.knownKeys(mapping, ['dailyTokenBudget', 'monthlyTokenBudget'], at);
  // Absent means unlimited, which the store records as null.
  const range = { minimum: 1, maximum: Number.MAX_SAFE_INTEGER };
  const daily = checker.optionalInteger(mapping, 'dailyTokenBudget', at, range) ?? null;
  const monthly = checker.optionalInteger(mapping, 'monthlyTokenBudget', at, range) ?? null;
  // The monthly budget would stop the agent before the daily one could ever be reached: a slip
  // (a digit too many, the two swapped), not a limit anyone means.
  if (daily !== null && monthly !== null && daily > monthly) {
    checker.fail(
      [...at, 'dailyTokenBudget'],
      `must not be larger than ${formatPath([...at, 'monthlyTokenBudget'])} (got ${daily} and ${monthly})`,
    );
  }
  return { dailyTokenBudget: daily, monthlyTokenBudget: monthly };
}
