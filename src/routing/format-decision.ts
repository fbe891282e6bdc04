import type { RoutingDecision } from './types.ts';

/** Human-readable decision for `fleetchat route "message"`, one fact per line. */
export function formatDecision(decision: RoutingDecision, agentsById: Map<string, { name: string }>): string {
  const label = (agentId: string) => {
    const name = agentsById.get(agentId)?.name;
    return name === undefined || name === agentId ? agentId : `${name} (${agentId})`;
  };
  const lines = [
    `agent:      ${label(decision.agentId)}`,
    `strategy:   ${decision.strategy}`,
    `confidence: ${decision.confidence.toFixed(2)}`,
    'candidates:',
  ];
  if (decision.candidates.length === 0) lines.push('  (no agents to score)');
  decision.candidates.forEach((candidate, position) => {
    lines.push(`  ${position + 1}. ${candidate.score.toFixed(2)}  ${label(candidate.agentId)}`);
  });
  return lines.join('\n');
}
