import { isUuid } from '../../ids.ts';
import type { AgentUsage, Store } from '../store.ts';
import type { Database } from './connection.ts';
import { toNumber } from './rows.ts';

/**
 * Token usage counters: one row per (agent, UTC day, model), summed on write, so that budget
 * checks on the answer path read a handful of rows instead of scanning messages.
 */
export type UsageMethods = Pick<Store, 'addUsage' | 'agentUsage' | 'agentsUsageToday'>;

interface UsageSumsRow {
  today_input: string;
  today_output: string;
  month_input: string;
  month_output: string;
}

export function createUsageMethods(database: Database): UsageMethods {
  return {
    async addUsage(record) {
      // An upsert is atomic: answers finishing at once on several instances all get counted.
      await database.query({
        name: 'usage_add',
        text: `INSERT INTO agent_usage (workspace_id, agent_id, model, day, input_tokens, output_tokens, errors, updated_at)
               VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8)
               ON CONFLICT (agent_id, day, model) DO UPDATE SET
                 input_tokens = agent_usage.input_tokens + excluded.input_tokens,
                 output_tokens = agent_usage.output_tokens + excluded.output_tokens,
                 errors = agent_usage.errors + excluded.errors,
                 updated_at = excluded.updated_at`,
        values: [record.workspaceId, record.agentId, record.model, record.day, record.inputTokens, record.outputTokens, record.errors, record.at],
      });
    },

    async agentUsage(agentId, day): Promise<AgentUsage> {
      if (!isUuid(agentId)) return { todayInput: 0, todayOutput: 0, monthInput: 0, monthOutput: 0 };
      // The whole calendar month of `day`: one range of the primary key. Checked on every
      // answer for the budgets, hence prepared.
      const result = await database.query<UsageSumsRow>({
        name: 'usage_agent_day_month',
        text: `SELECT
                 COALESCE(SUM(input_tokens) FILTER (WHERE day = $2::date), 0) AS today_input,
                 COALESCE(SUM(output_tokens) FILTER (WHERE day = $2::date), 0) AS today_output,
                 COALESCE(SUM(input_tokens), 0) AS month_input,
                 COALESCE(SUM(output_tokens), 0) AS month_output
               FROM agent_usage
               WHERE agent_id = $1
                 AND day >= date_trunc('month', $2::date)::date
                 AND day < (date_trunc('month', $2::date) + interval '1 month')::date`,
        values: [agentId, day],
      });
      const sums = result.rows[0];
      return {
        todayInput: toNumber(sums?.today_input),
        todayOutput: toNumber(sums?.today_output),
        monthInput: toNumber(sums?.month_input),
        monthOutput: toNumber(sums?.month_output),
      };
    },

    async agentsUsageToday(agentIds, day) {
      // Every requested agent is in the map, with zeros when it has no usage that day.
      const usage = new Map<string, { input: number; output: number }>();
      for (const agentId of agentIds) usage.set(agentId, { input: 0, output: 0 });
      const validIds = agentIds.filter(isUuid);
      if (validIds.length === 0) return usage;
      const result = await database.query<{ agent_id: string; input: string; output: string }>({
        name: 'usage_agents_today',
        text: `SELECT agent_id, SUM(input_tokens) AS input, SUM(output_tokens) AS output
               FROM agent_usage WHERE agent_id = ANY($1::uuid[]) AND day = $2::date
               GROUP BY agent_id`,
        values: [validIds, day],
      });
      for (const row of result.rows) {
        // pg returns uuids lower-case; map back to the caller's spelling of the id.
        const key = agentIds.find((agentId) => agentId.toLowerCase() === row.agent_id) ?? row.agent_id;
        usage.set(key, { input: toNumber(row.input), output: toNumber(row.output) });
      }
      return usage;
    },
  };
}
