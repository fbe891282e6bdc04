import { AppError, notFound } from '../errors.ts';
import type { AgentService, RoutingSnapshot } from '../agents/agent-service.ts';
import type { Principal } from '../auth/auth-service.ts';
import type { RoutingContext, RoutingDecision } from '../routing/index.ts';
import type { Agent, RoutedBy, Session, Store } from '../store/store.ts';
import type { AnswerHeader, AnswerInput, RoutingExplanation } from './events.ts';

/** Chooses an agent for a message that names none; embedded, embeddings or llm (routing/). */
export type RouteMessage = (input: { message: string; context: RoutingContext; snapshot: RoutingSnapshot; workspaceId: string }) => Promise<RoutingDecision>;

export interface Target {
  agent: Agent;
  session: Session | undefined;
  routedBy: RoutedBy;
  routing?: RoutingExplanation;
}

/** An agent that may answer, or the error that says why it may not. */
async function answeringAgent(agents: AgentService, snapshot: RoutingSnapshot, workspaceId: string, agentId: string): Promise<Agent> {
  const cached = snapshot.agents.get(agentId);
  if (cached) return cached;
  const agent = await agents.get(workspaceId, agentId);
  if (agent.status === 'archived') throw new AppError('AGENT_ARCHIVED', `${agent.name} is archived and no longer answers; pick another agent.`);
  if (agent.status === 'offline') throw new AppError('AGENT_OFFLINE', `${agent.name} is offline; an admin can set its status to online.`);
  return agent;
}

/** Who answers and why: the part of an answer's header (and of a route preview) a target decides. */
export function decisionOf(target: Target): Pick<AnswerHeader, 'agentId' | 'agentName' | 'routedBy' | 'routing'> {
  return { agentId: target.agent.id, agentName: target.agent.name, routedBy: target.routedBy, ...(target.routing && { routing: target.routing }) };
}

/**
 * Explicit agent, else the session's, else the router's choice. A session is continued only by
 * its owner: anyone else, admins included, gets 404 as if it did not exist.
 */
export async function resolveTarget(
  deps: { store: Store; agents: AgentService; route: RouteMessage },
  principal: Principal,
  input: AnswerInput,
): Promise<Target> {
  const { store, agents } = deps;
  const snapshot = await agents.routingSnapshot(principal.workspaceId);
  let session: Session | undefined;
  if (input.sessionId !== undefined) {
    session = await store.getSession(principal.workspaceId, input.sessionId);
    if (!session || session.userId !== principal.userId) throw notFound('session');
    if (input.agentId !== undefined && input.agentId !== session.agentId) {
      throw new AppError('SESSION_AGENT_MISMATCH', 'This session belongs to another agent; omit agentId or start a new session.');
    }
  }

  let decision: RoutingDecision | undefined;
  let agentId = input.agentId ?? session?.agentId;
  let routedBy: RoutedBy = input.agentId !== undefined ? 'explicit' : 'session';
  if (agentId === undefined) {
    if (snapshot.defaultAgentId === undefined) {
      throw new AppError('AGENT_NOT_FOUND', 'This workspace has no agent that can answer; an admin can create one with POST /api/agents.');
    }
    const latest = await store.latestSession(principal.workspaceId, principal.userId);
    decision = await deps.route({
      message: input.message,
      workspaceId: principal.workspaceId,
      snapshot,
      context: latest ? { latestSession: { agentId: latest.agentId, ageMs: Date.now() - latest.lastMessageAt.getTime() } } : {},
    });
    agentId = decision.agentId;
    routedBy = decision.strategy;
  }
  const agent = await answeringAgent(agents, snapshot, principal.workspaceId, agentId);
  const target: Target = { agent, session, routedBy };
  if (input.explainRouting && decision) {
    target.routing = {
      confidence: decision.confidence,
      candidates: decision.candidates.map((candidate) => ({
        agentId: candidate.agentId,
        agentName: snapshot.agents.get(candidate.agentId)?.name ?? '',
        score: candidate.score,
      })),
    };
  }
  return target;
}
