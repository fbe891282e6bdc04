import type { Agent } from '../store/store.ts';

/** The wire shape of an agent (API.md, Agents). */
export interface AgentView {
  id: string;
  name: string;
  role: string;
  description: string;
  soul: string;
  status: Agent['status'];
  config: Agent['config'];
  source: Agent['source'];
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
  lastActiveAt: string | null;
  tokensTodayInput: number;
  tokensTodayOutput: number;
}

export function toAgentView(agent: Agent, usage: { input: number; output: number } | undefined, defaultAgentId: string | null): AgentView {
  return {
    id: agent.id,
    name: agent.name,
    role: agent.role,
    description: agent.description,
    soul: agent.soul,
    status: agent.status,
    config: agent.config,
    source: agent.source,
    isDefault: agent.id === defaultAgentId,
    createdAt: agent.createdAt.toISOString(),
    updatedAt: agent.updatedAt.toISOString(),
    lastActiveAt: agent.lastActiveAt ? agent.lastActiveAt.toISOString() : null,
    tokensTodayInput: usage?.input ?? 0,
    tokensTodayOutput: usage?.output ?? 0,
  };
}

/** `YYYY-MM-DD` of the UTC day. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);
