import { AppError, notFound } from '../errors.ts';
import { checkText } from '../chat/guards.ts';
import { newId } from '../ids.ts';
import { buildRouterIndexSteps, trainingTexts, type AgentProfile, type RouterIndex, type WordVectors } from '../routing/index.ts';
import { runInSlices } from './build-in-slices.ts';
import { StoreConflictError, type Agent, type AgentConfig, type AgentPatch, type AgentStatus, type Store } from '../store/store.ts';
import { toAgentView, utcDay, type AgentView } from './agent-view.ts';

export interface AgentInput {
  name: string;
  role?: string;
  description?: string;
  soul?: string;
  status?: 'online' | 'offline';
  config: {
    model: { default: string; fallbacks?: string[] };
    routing?: { examples?: string[]; keywords?: string[] };
    session?: { maxContextTokens?: number };
    limits?: { dailyTokenBudget?: number | null; monthlyTokenBudget?: number | null };
  };
}

export interface AgentUpdate {
  name?: string;
  role?: string;
  description?: string;
  soul?: string;
  status?: 'online' | 'offline';
  config?: {
    model?: { default?: string; fallbacks?: string[] };
    routing?: { examples?: string[]; keywords?: string[] };
    session?: { maxContextTokens?: number };
    limits?: { dailyTokenBudget?: number | null; monthlyTokenBudget?: number | null };
  };
}

/** The agents a workspace can route to, with the index built from their profiles. */
export interface RoutingSnapshot {
  agents: Map<string, Agent>;
  index: RouterIndex;
  defaultAgentId: string | undefined;
}

export const DEFAULT_MAX_CONTEXT_TOKENS = 16_000;
/** How long a routing snapshot is trusted before the store is asked again (other instances). */
const SNAPSHOT_TTL_MS = 2_000;

function toProfile(agent: Agent): AgentProfile {
  return {
    id: agent.id,
    name: agent.name,
    role: agent.role,
    description: agent.description,
    soul: agent.soul,
    examples: agent.config.routing.examples,
    keywords: agent.config.routing.keywords,
  };
}

export class AgentService {
  readonly #store: Store;
  readonly #wordVectors: () => WordVectors | undefined;
  readonly #isKnownModel: (model: string) => boolean;
  readonly #snapshots = new Map<string, { snapshot: RoutingSnapshot; until: number; building?: Promise<RoutingSnapshot> }>();
  readonly #indexes = new Map<string, { signature: string; index: RouterIndex }>();

  /** `wordVectors`: the router's table, asked for at the first index build (none: lexical routing). */
  constructor(deps: { store: Store; isKnownModel: (model: string) => boolean; wordVectors?: () => WordVectors | undefined }) {
    this.#store = deps.store;
    this.#wordVectors = deps.wordVectors ?? (() => undefined);
    this.#isKnownModel = deps.isKnownModel;
  }

  async list(workspaceId: string, options: { status?: AgentStatus; limit: number; offset: number }): Promise<{ data: AgentView[]; total: number }> {
    const page = await this.#store.listAgents(workspaceId, options);
    const [usage, workspace] = await Promise.all([
      this.#store.agentsUsageToday(page.data.map((agent) => agent.id), utcDay(new Date())),
      this.#store.getWorkspace(workspaceId),
    ]);
    return { data: page.data.map((agent) => toAgentView(agent, usage.get(agent.id), workspace?.defaultAgentId ?? null)), total: page.total };
  }

  async get(workspaceId: string, id: string): Promise<Agent> {
    const agent = await this.#store.getAgent(workspaceId, id);
    if (!agent) throw notFound('agent');
    return agent;
  }

  async view(workspaceId: string, id: string): Promise<AgentView> {
    const agent = await this.get(workspaceId, id);
    const [usage, workspace] = await Promise.all([this.#store.agentUsage(agent.id, utcDay(new Date())), this.#store.getWorkspace(workspaceId)]);
    return toAgentView(agent, { input: usage.todayInput, output: usage.todayOutput }, workspace?.defaultAgentId ?? null);
  }

  async create(workspaceId: string, input: AgentInput, source: 'file' | 'api' = 'api', id: string = newId()): Promise<Agent> {
    checkStrings(input, '');
    const config = this.#completeConfig(input.config);
    try {
      const agent = await this.#store.createAgent({
        id,
        workspaceId,
        name: input.name.trim(),
        role: input.role ?? '',
        description: input.description ?? '',
        soul: input.soul ?? '',
        status: input.status ?? 'online',
        config,
        source,
        now: new Date(),
      });
      this.invalidate(workspaceId);
      return agent;
    } catch (error) {
      throw this.#conflict(error, input.name);
    }
  }

  async update(workspaceId: string, id: string, update: AgentUpdate): Promise<Agent> {
    checkStrings(update, '');
    const current = await this.get(workspaceId, id);
    if (current.status === 'archived') throw new AppError('AGENT_ARCHIVED', 'This agent is archived and can no longer be changed.');
    const patch: AgentPatch = {};
    if (update.name !== undefined) patch.name = update.name.trim();
    if (update.role !== undefined) patch.role = update.role;
    if (update.description !== undefined) patch.description = update.description;
    if (update.soul !== undefined) patch.soul = update.soul;
    if (update.status !== undefined) patch.status = update.status;
    if (update.config !== undefined) {
      const merged = current.config;
      patch.config = this.#completeConfig({
        model: { ...merged.model, ...update.config.model },
        routing: { ...merged.routing, ...update.config.routing },
        session: { ...merged.session, ...update.config.session },
        limits: { ...merged.limits, ...update.config.limits },
      });
    }
    try {
      const agent = await this.#store.updateAgent(workspaceId, id, patch, new Date());
      if (!agent) throw notFound('agent');
      this.invalidate(workspaceId);
      return agent;
    } catch (error) {
      throw this.#conflict(error, update.name ?? current.name);
    }
  }

  /** Archives: the agent stops answering and leaves routing; its history stays readable. */
  async archive(workspaceId: string, id: string): Promise<Agent> {
    await this.get(workspaceId, id);
    const agent = await this.#store.updateAgent(workspaceId, id, { status: 'archived' }, new Date());
    if (!agent) throw notFound('agent');
    this.invalidate(workspaceId);
    return agent;
  }

  /** Agents and router index of a workspace, rebuilt when an agent changes. */
  async routingSnapshot(workspaceId: string): Promise<RoutingSnapshot> {
    const now = Date.now();
    const cached = this.#snapshots.get(workspaceId);
    if (cached && cached.until > now) return cached.snapshot;
    if (cached?.building) return cached.building;
    const building = this.#buildSnapshot(workspaceId);
    const entry = { snapshot: cached?.snapshot as RoutingSnapshot, until: 0, building };
    this.#snapshots.set(workspaceId, entry);
    try {
      const snapshot = await building;
      // An agent changed while this was being built (invalidate replaced the entry): answer this
      // caller with it, but do not keep it; the next call learns the change.
      if (this.#snapshots.get(workspaceId) === entry) this.#snapshots.set(workspaceId, { snapshot, until: Date.now() + SNAPSHOT_TTL_MS });
      return snapshot;
    } catch (error) {
      if (this.#snapshots.get(workspaceId) === entry) this.#snapshots.delete(workspaceId);
      throw error;
    }
  }

  /**
   * The routing texts of every agent that is not archived, in every workspace: whose vectors
   * encoder mode keeps (a paused agent's texts too, since it may come back).
   */
  async routingTextsOfEveryWorkspace(): Promise<Set<string>> {
    const texts = new Set<string>();
    for (const workspaceId of await this.#store.listWorkspaceIds()) {
      for (const agent of await this.#store.listActiveAgents(workspaceId)) {
        for (const text of trainingTexts(toProfile(agent))) texts.add(text);
      }
    }
    return texts;
  }

  invalidate(workspaceId: string): void {
    this.#snapshots.delete(workspaceId);
  }

  async #buildSnapshot(workspaceId: string): Promise<RoutingSnapshot> {
    const [agents, workspace] = await Promise.all([this.#store.listActiveAgents(workspaceId), this.#store.getWorkspace(workspaceId)]);
    const answering = agents.filter((agent) => agent.status === 'online');
    const byId = new Map(answering.map((agent) => [agent.id, agent]));
    const defaultAgentId = workspace?.defaultAgentId && byId.has(workspace.defaultAgentId) ? workspace.defaultAgentId : answering[0]?.id;
    // Training the router costs milliseconds to a second (100 agents): redo it only when an agent
    // really changed, and in slices, so that the instance keeps answering meanwhile.
    const signature = answering.map((agent) => `${agent.id}@${agent.updatedAt.getTime()}`).join(',');
    const previous = this.#indexes.get(workspaceId);
    const index =
      previous?.signature === signature
        ? previous.index
        : await runInSlices(buildRouterIndexSteps(answering.map(toProfile), { wordVectors: this.#wordVectors() }));
    this.#indexes.set(workspaceId, { signature, index });
    return { agents: byId, index, defaultAgentId };
  }

  #completeConfig(config: AgentInput['config']): AgentConfig {
    const complete: AgentConfig = {
      model: { default: config.model.default, fallbacks: config.model.fallbacks ?? [] },
      routing: { examples: config.routing?.examples ?? [], keywords: config.routing?.keywords ?? [] },
      session: { maxContextTokens: config.session?.maxContextTokens ?? DEFAULT_MAX_CONTEXT_TOKENS },
      limits: { dailyTokenBudget: config.limits?.dailyTokenBudget ?? null, monthlyTokenBudget: config.limits?.monthlyTokenBudget ?? null },
    };
    const { dailyTokenBudget: daily, monthlyTokenBudget: monthly } = complete.limits;
    if (daily !== null && monthly !== null && daily > monthly) {
      // As the fleet file refuses it: such a daily budget could never be spent.
      throw new AppError('VALIDATION_ERROR', `config.limits.dailyTokenBudget (${daily}) is larger than config.limits.monthlyTokenBudget (${monthly}); lower the daily budget or raise the monthly one.`);
    }
    for (const model of [complete.model.default, ...complete.model.fallbacks]) {
      if (!this.#isKnownModel(model)) {
        throw new AppError('VALIDATION_ERROR', `Model "${model}" names no configured provider; use "provider/model" with a provider of the fleet file, openai, anthropic or mock.`);
      }
    }
    return complete;
  }

  #conflict(error: unknown, name: string): unknown {
    if (error instanceof StoreConflictError) return new AppError('CONFLICT', `An agent named "${name}" already exists in this workspace.`);
    return error;
  }
}

/**
 * Every string of an agent's input, as both stores can keep it (checkText): a NUL or a lone
 * surrogate in an example, a keyword or the SOUL is a 400 naming the field, not a 500 from
 * PostgreSQL or a row SQLite keeps and PostgreSQL would refuse.
 */
function checkStrings(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000') || !value.isWellFormed()) checkText(path, value, { allowBlank: true });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkStrings(item, `${path}[${index}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) checkStrings(item, path === '' ? key : `${path}.${key}`);
  }
}
