/**
 * Per-agent statistics over a time range, for the admin stats endpoint. Not on the answer path:
 * a few aggregate queries over the agent's index range, read in one transaction so the figures
 * agree with each other.
 *
 * Definitions (PostgreSQL computes the same):
 * - the range is half-open: from <= createdAt < to;
 * - messages, tokens, latency and feedback are about the agent's assistant messages created in
 *   the range; feedback is every user's rating of those messages;
 * - sessions counts distinct sessions with any message of the agent in the range;
 * - latency percentiles are nearest-rank (the value at position ceil(p * n) of the sorted
 *   durations), which is PostgreSQL's percentile_disc;
 * - errors come from the usage counters, which are kept per UTC day: the days from `from`'s day
 *   to the day of the range's last millisecond, both included.
 */
import type { Database } from 'better-sqlite3';
import type { AgentStats } from '../store.ts';
import { lazy, type SynchronousStore } from './repository.ts';

type ModelStats = AgentStats['byModel'][string];
type Ratings = AgentStats['feedback']['distribution'];

export function nearestRank(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const position = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[position - 1];
}

function utcDay(milliseconds: number): string {
  return new Date(milliseconds).toISOString().slice(0, 10);
}

function emptyModelStats(): Required<ModelStats> {
  return {
    messages: 0,
    sessions: 0,
    tokens: { input: 0, output: 0 },
    feedback: { count: 0, average: null, distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } },
    latencyMs: { p50: null, p95: null },
    errors: 0,
  };
}

interface Accumulator {
  stats: Required<ModelStats>;
  ratingSum: number;
  durations: number[];
}

function inRangeOf(alias: string): string {
  return `${alias}workspace_id = @workspaceId AND ${alias}agent_id = @agentId AND ${alias}created_at >= @from AND ${alias}created_at < @to`;
}
const inRange = inRangeOf('');

export function createStatsRepository(database: Database): Pick<SynchronousStore, 'agentStats'> {
  const statements = lazy(() => {
    const perModel = database.prepare(
      `SELECT model, COUNT(*) AS messages, COUNT(DISTINCT session_id) AS sessions,
         COALESCE(SUM(input_tokens), 0) AS input, COALESCE(SUM(output_tokens), 0) AS output
       FROM messages INDEXED BY messages_by_agent
       WHERE ${inRange} AND role = 'assistant' GROUP BY model`,
    );
    const sessions = database
      .prepare(`SELECT COUNT(DISTINCT session_id) FROM messages INDEXED BY messages_by_agent WHERE ${inRange}`)
      .pluck();
    const ratings = database.prepare(
      `SELECT m.model AS model, f.rating AS rating, COUNT(*) AS count
       FROM messages AS m INDEXED BY messages_by_agent
       JOIN feedback AS f ON f.message_id = m.id
       WHERE ${inRangeOf('m.')} AND m.role = 'assistant'
       GROUP BY m.model, f.rating`,
    );
    const durations = database.prepare(
      `SELECT model, duration_ms FROM messages INDEXED BY messages_by_agent
       WHERE ${inRange} AND role = 'assistant' AND duration_ms IS NOT NULL
       ORDER BY duration_ms`,
    );
    const errors = database.prepare(
      `SELECT model, SUM(errors) AS errors FROM agent_usage
       WHERE agent_id = @agentId AND workspace_id = @workspaceId AND day BETWEEN @fromDay AND @toDay
       GROUP BY model`,
    );
    return {
      read: database.transaction((parameters: Record<string, string | number>) => ({
        perModel: perModel.all(parameters) as { model: string | null; messages: number; sessions: number; input: number; output: number }[],
        sessions: sessions.get(parameters) as number,
        ratings: ratings.all(parameters) as { model: string | null; rating: number; count: number }[],
        durations: durations.all(parameters) as { model: string | null; duration_ms: number }[],
        errors: errors.all(parameters) as { model: string; errors: number }[],
      })),
    };
  });

  return {
    agentStats(query) {
      const from = query.from.getTime();
      const to = query.to.getTime();
      const figures = statements().read({
        workspaceId: query.workspaceId,
        agentId: query.agentId,
        from,
        to,
        fromDay: utcDay(from),
        toDay: utcDay(Math.max(from, to - 1)),
      });

      const total: Accumulator = { stats: emptyModelStats(), ratingSum: 0, durations: [] };
      const models = new Map<string, Accumulator>();
      // Messages whose model is unknown (NULL) count in the totals but under no model.
      const accumulatorsOf = (model: string | null): Accumulator[] => {
        if (model === null) return [total];
        let accumulator = models.get(model);
        if (accumulator === undefined) {
          accumulator = { stats: emptyModelStats(), ratingSum: 0, durations: [] };
          models.set(model, accumulator);
        }
        return [total, accumulator];
      };

      for (const row of figures.perModel) {
        for (const { stats } of accumulatorsOf(row.model)) {
          stats.messages += row.messages;
          stats.tokens.input += row.input;
          stats.tokens.output += row.output;
        }
        if (row.model !== null) (models.get(row.model) as Accumulator).stats.sessions = row.sessions;
      }
      for (const row of figures.ratings) {
        for (const accumulator of accumulatorsOf(row.model)) {
          accumulator.stats.feedback.count += row.count;
          accumulator.stats.feedback.distribution[String(row.rating) as keyof Ratings] += row.count;
          accumulator.ratingSum += row.rating * row.count;
        }
      }
      // Rows arrive sorted by duration, so every per-model list is sorted too.
      for (const row of figures.durations) {
        for (const accumulator of accumulatorsOf(row.model)) accumulator.durations.push(row.duration_ms);
      }
      for (const row of figures.errors) {
        for (const { stats } of accumulatorsOf(row.model)) stats.errors += row.errors;
      }

      const finish = (accumulator: Accumulator): Required<ModelStats> => {
        const { stats } = accumulator;
        stats.feedback.average = stats.feedback.count === 0 ? null : accumulator.ratingSum / stats.feedback.count;
        stats.latencyMs = { p50: nearestRank(accumulator.durations, 0.5), p95: nearestRank(accumulator.durations, 0.95) };
        return stats;
      };

      const byModel: AgentStats['byModel'] = {};
      for (const [model, accumulator] of models) byModel[model] = finish(accumulator);
      return { ...finish(total), sessions: figures.sessions, byModel };
    },
  };
}
