/** Loads the CLINC routing benchmark as a user would configure it: name, description, examples. */
import { readFileSync } from 'node:fs';
import type { AgentProfile } from '../../src/routing/index.ts';

export const CLINC_PATH = new URL('../../../shared/routing/clinc-agents-dev.json', import.meta.url);

export interface LabelledQuery {
  text: string;
  /** Expected agent id; the fallback agent's id for out-of-scope queries. */
  agentId: string;
  outOfScope: boolean;
}

export interface ClincBenchmark {
  profiles: AgentProfile[];
  fallbackAgentId: string;
  dev: LabelledQuery[];
}

interface ClincFile {
  agents: { id: string; name: string; description: string }[];
  fallbackAgent: { id: string };
  examples: Record<string, { text: string }[]>;
  dev: { text: string; agent: string; oos: boolean }[];
}

export function loadClinc(path: URL | string = CLINC_PATH): ClincBenchmark {
  const file = JSON.parse(readFileSync(path, 'utf8')) as ClincFile;
  const profiles = file.agents.map((agent) => ({
    id: agent.id,
    name: agent.name,
    role: '',
    description: agent.description,
    soul: '',
    examples: (file.examples[agent.id] ?? []).map((example) => example.text),
    keywords: [],
  }));
  const dev = file.dev.map((query) => ({ text: query.text, agentId: query.agent, outOfScope: query.oos }));
  return { profiles, fallbackAgentId: file.fallbackAgent.id, dev };
}
