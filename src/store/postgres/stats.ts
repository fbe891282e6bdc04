import { isUuid } from '../../ids.ts';
import type { AgentStats, AgentStatsQuery } from '../store.ts';
import type { Database } from './connection.ts';
import { toNumber } from './rows.ts';

/**
 * Per-agent statistics over a time range, for the admin stats endpoint. The definitions are
 * the SQLite store's (src/store/sqlite/stats.ts), which the conformance suite holds both to:
 * - the range is half-open: from <= createdAt < to;
 * - messages, tokens, latency and feedback are about the agent's assistant messages in the
 *   range; feedback is every user's rating of them;
 * - sessions counts distinct sessions with any message of the agent in the range;
 * - latency percentiles are nearest-rank, which is exactly percentile_disc;
 * - errors come from the daily usage counters, from `from`'s UTC day to the day of the
 *   range's last millisecond, both included;
 * - messages without a model count in the totals, under no model.
 * The queries run in one read-only snapshot so that the figures agree with each other.
 */

type ModelStats = Required<AgentStats['byModel'][string]>;
type Rating = keyof AgentStats['feedback']['distribution'];

interface PerModelRow {
  model: string | null;
  is_total: number;
  messages: string;
  sessions: string;
  input: string;
  output: string;
  p50: number | null;
  p95: number | null;
}

const inRange = 'm.workspace_id = $1 AND m.agent_id = $2 AND m.created_at >= $3 AND m.created_at < $4';

function emptyStats(): ModelStats {
  return {
    messages: 0,
    sessions: 0,
    tokens: { input: 0, output: 0 },
    feedback: { count: 0, average: null, distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } },
    latencyMs: { p50: null, p95: null },
    errors: 0,
  };
}

function utcDay(milliseconds: number): string {
  return new Date(milliseconds).toISOString().slice(0, 10);
}

export async function readAgentStats(database: Database, query: AgentStatsQuery): Promise<AgentStats> {
  if (!isUuid(query.workspaceId) || !isUuid(query.agentId)) return { ...emptyStats(), byModel: {} };
  const from = query.from.getTime();
  const to = query.to.getTime();
  const values = [query.workspaceId, query.agentId, query.from, query.to];

  const figures = await database.transaction(async (client) => {
    // GROUPING SETS: one pass gives each model's figures and the totals (the () set, which
    // also counts messages whose model is NULL); grouping(model) tells the total row apart.
    const perModel = await client.query<PerModelRow>({
      text: `SELECT m.model, grouping(m.model) AS is_total, count(*) AS messages, count(DISTINCT m.session_id) AS sessions,
               COALESCE(SUM(m.input_tokens), 0) AS input, COALESCE(SUM(m.output_tokens), 0) AS output,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY m.duration_ms) AS p50,
               percentile_disc(0.95) WITHIN GROUP (ORDER BY m.duration_ms) AS p95
             FROM messages m WHERE ${inRange} AND m.role = 'assistant'
             GROUP BY GROUPING SETS ((m.model), ())`,
      values,
    });
    const sessions = await client.query<{ count: string }>({
      text: `SELECT count(DISTINCT m.session_id) AS count FROM messages m WHERE ${inRange}`,
      values,
    });
    const ratings = await client.query<{ model: string | null; rating: number; count: string }>({
      text: `SELECT m.model, f.rating, count(*) AS count
             FROM messages m JOIN feedback f ON f.message_id = m.id
             WHERE ${inRange} AND m.role = 'assistant'
             GROUP BY m.model, f.rating`,
      values,
    });
    const errors = await client.query<{ model: string; errors: string }>({
      text: `SELECT model, SUM(errors) AS errors FROM agent_usage
             WHERE workspace_id = $1 AND agent_id = $2 AND day BETWEEN $3::date AND $4::date
             GROUP BY model`,
      values: [query.workspaceId, query.agentId, utcDay(from), utcDay(Math.max(from, to - 1))],
    });
    return { perModel: perModel.rows, sessions: sessions.rows[0], ratings: ratings.rows, errors: errors.rows };
  }, 'snapshot');

  const total = emptyStats();
  const models = new Map<string, ModelStats>();
  const ratingSums = new Map<ModelStats, number>();
  const statsOf = (model: string | null): ModelStats[] => {
    if (model === null) return [total];
    let stats = models.get(model);
    if (stats === undefined) {
      stats = emptyStats();
      models.set(model, stats);
    }
    return [total, stats];
  };

  for (const row of figures.perModel) {
    const isTotal = Number(row.is_total) === 1;
    // A NULL model's own group adds nothing: its messages are already in the total row.
    if (!isTotal && row.model === null) continue;
    const stats = isTotal ? total : statsOf(row.model)[1];
    stats.messages = toNumber(row.messages);
    stats.sessions = toNumber(row.sessions);
    stats.tokens = { input: toNumber(row.input), output: toNumber(row.output) };
    stats.latencyMs = { p50: row.p50, p95: row.p95 };
  }
  for (const row of figures.ratings) {
    const count = toNumber(row.count);
    for (const stats of statsOf(row.model)) {
      stats.feedback.count += count;
      stats.feedback.distribution[String(row.rating) as Rating] += count;
      ratingSums.set(stats, (ratingSums.get(stats) ?? 0) + row.rating * count);
    }
  }
  for (const row of figures.errors) {
    for (const stats of statsOf(row.model)) stats.errors += toNumber(row.errors);
  }
  // The average is taken in JavaScript, as SQLite does, so both give the same float.
  for (const stats of [total, ...models.values()]) {
    stats.feedback.average = stats.feedback.count === 0 ? null : (ratingSums.get(stats) ?? 0) / stats.feedback.count;
  }

  const byModel: AgentStats['byModel'] = Object.fromEntries(models);
  return { ...total, sessions: toNumber(figures.sessions?.count), byModel };
}
