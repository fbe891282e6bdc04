/**
 * Token usage counters: one row per (agent, UTC day, model), summed on write (UPSERT), so that
 * budget checks on the answer path read a handful of rows instead of scanning messages.
 */
import type { Database } from 'better-sqlite3';
import { lazy, type SynchronousStore } from './repository.ts';

type UsageMethods = Pick<SynchronousStore, 'addUsage' | 'agentUsage' | 'agentsUsageToday'>;

/** First and last possible day of the month of `day` (`YYYY-MM-DD`); days compare as text. */
export function monthRange(day: string): { monthStart: string; monthEnd: string } {
  const month = day.slice(0, 7);
  return { monthStart: `${month}-01`, monthEnd: `${month}-31` };
}

interface UsageSums {
  today_input: number;
  today_output: number;
  month_input: number;
  month_output: number;
}

export function createUsageRepository(database: Database): UsageMethods {
  const statements = lazy(() => ({
    add: database.prepare(
      `INSERT INTO agent_usage (agent_id, day, model, workspace_id, input_tokens, output_tokens, errors, updated_at)
       VALUES (@agentId, @day, @model, @workspaceId, @inputTokens, @outputTokens, @errors, @at)
       ON CONFLICT (agent_id, day, model) DO UPDATE SET
         input_tokens = input_tokens + excluded.input_tokens,
         output_tokens = output_tokens + excluded.output_tokens,
         errors = errors + excluded.errors,
         updated_at = excluded.updated_at`,
    ),
    // The whole calendar month of `day`, one range of the primary key.
    sums: database.prepare(
      `SELECT
         COALESCE(SUM(CASE WHEN day = @day THEN input_tokens END), 0) AS today_input,
         COALESCE(SUM(CASE WHEN day = @day THEN output_tokens END), 0) AS today_output,
         COALESCE(SUM(input_tokens), 0) AS month_input,
         COALESCE(SUM(output_tokens), 0) AS month_output
       FROM agent_usage WHERE agent_id = @agentId AND day BETWEEN @monthStart AND @monthEnd`,
    ),
    // json_each turns a list of any length into one bindable parameter: one statement for all.
    today: database.prepare<[string, string]>(
      `SELECT agent_id, SUM(input_tokens) AS input, SUM(output_tokens) AS output
       FROM agent_usage WHERE agent_id IN (SELECT value FROM json_each(?)) AND day = ?
       GROUP BY agent_id`,
    ),
  }));

  return {
    addUsage(record) {
      statements().add.run({
        agentId: record.agentId,
        day: record.day,
        model: record.model,
        workspaceId: record.workspaceId,
        inputTokens: record.inputTokens,
        outputTokens: record.outputTokens,
        errors: record.errors,
        at: record.at.getTime(),
      });
    },
    agentUsage(agentId, day) {
      const sums = statements().sums.get({ agentId, day, ...monthRange(day) }) as UsageSums;
      return {
        todayInput: sums.today_input,
        todayOutput: sums.today_output,
        monthInput: sums.month_input,
        monthOutput: sums.month_output,
      };
    },
    // Every requested agent is in the map, with zeros when it has no usage that day.
    agentsUsageToday(agentIds, day) {
      const result = new Map<string, { input: number; output: number }>();
      for (const agentId of agentIds) result.set(agentId, { input: 0, output: 0 });
      if (agentIds.length === 0) return result;
      const rows = statements().today.all(JSON.stringify(agentIds), day) as { agent_id: string; input: number; output: number }[];
      for (const row of rows) result.set(row.agent_id, { input: row.input, output: row.output });
      return result;
    },
  };
}
