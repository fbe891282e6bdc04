import type { HistoryItem, Message, MessageRole, MessageStatus, RoutedBy } from './store.ts';

/**
 * The `messages` columns as both stores read them; only the type of `created_at` differs
 * (SQLite keeps milliseconds, PostgreSQL timestamptz), so each store passes its own `Time`.
 */
export interface MessageColumns<Time> {
  id: string;
  session_id: string;
  workspace_id: string;
  user_id: string;
  agent_id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  input_tokens: number | null;
  output_tokens: number | null;
  model: string | null;
  duration_ms: number | null;
  routed_by: RoutedBy | null;
  created_at: Time;
}

/** With the columns the history queries add: the agent's name and the viewer's feedback. */
export interface HistoryColumns<Time> extends MessageColumns<Time> {
  agent_name: string;
  feedback_rating: number | null;
  feedback_comment: string | null;
}

export function messageFromColumns<Time extends number | Date>(row: MessageColumns<Time>): Message {
  return {
    id: row.id,
    sessionId: row.session_id,
    workspaceId: row.workspace_id,
    userId: row.user_id,
    agentId: row.agent_id,
    role: row.role,
    content: row.content,
    status: row.status,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    model: row.model,
    durationMs: row.duration_ms,
    routedBy: row.routed_by,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
  };
}

export function historyItemFromColumns<Time extends number | Date>(row: HistoryColumns<Time>): HistoryItem {
  return {
    ...messageFromColumns(row),
    agentName: row.agent_name,
    feedback: row.feedback_rating === null ? null : { rating: row.feedback_rating, comment: row.feedback_comment },
  };
}
