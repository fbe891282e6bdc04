import { AppError } from '../errors.ts';
import type { Agent, Store } from '../store/store.ts';
import { utcDay } from '../agents/agent-view.ts';

/**
 * Content rules both stores can keep: PostgreSQL text cannot hold NUL, and a lone surrogate
 * is not Unicode, so both are refused here rather than stored differently per backend.
 */
export function checkText(field: string, text: string, options: { maxChars?: number; allowBlank?: boolean } = {}): void {
  if (!options.allowBlank && text.trim().length === 0) {
    throw new AppError('VALIDATION_ERROR', `${field} must not be empty or only white space.`);
  }
  if (text.includes('\u0000')) throw new AppError('VALIDATION_ERROR', `${field} must not contain NUL characters.`);
  if (!text.isWellFormed()) throw new AppError('VALIDATION_ERROR', `${field} must be valid Unicode (it has a lone surrogate).`);
  if (options.maxChars !== undefined) {
    // Characters are code points, as JSON Schema's maxLength counts them.
    let length = 0;
    for (const _ of text) if (++length > options.maxChars) break;
    if (length > options.maxChars) throw new AppError('VALIDATION_ERROR', `${field} must have at most ${options.maxChars} characters.`);
  }
}

const secondsUntil = (target: Date, now: Date): number => Math.max(1, Math.ceil((target.getTime() - now.getTime()) / 1000));

/**
 * Refuses the call when the agent has spent its daily or monthly budget. Checked before the
 * call, so concurrent answers may overshoot by what is in flight (documented in docs/API.md).
 */
export async function checkBudget(store: Store, agent: Agent, now: Date): Promise<void> {
  const { dailyTokenBudget, monthlyTokenBudget } = agent.config.limits;
  if (dailyTokenBudget === null && monthlyTokenBudget === null) return;
  const usage = await store.agentUsage(agent.id, utcDay(now));
  if (dailyTokenBudget !== null && usage.todayInput + usage.todayOutput >= dailyTokenBudget) {
    const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    throw new AppError('TOKEN_BUDGET_EXCEEDED', `${agent.name} has used its daily token budget (${dailyTokenBudget}); it answers again after midnight UTC.`, {
      retryAfter: secondsUntil(tomorrow, now),
    });
  }
  if (monthlyTokenBudget !== null && usage.monthInput + usage.monthOutput >= monthlyTokenBudget) {
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    throw new AppError('TOKEN_BUDGET_EXCEEDED', `${agent.name} has used its monthly token budget (${monthlyTokenBudget}); it answers again next month.`, {
      retryAfter: secondsUntil(nextMonth, now),
    });
  }
}
