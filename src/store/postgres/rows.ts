import { historyItemFromColumns, messageFromColumns, type HistoryColumns, type MessageColumns } from '../message-rows.ts';
import type {
  NewMessage,
  Agent,
  AgentConfig,
  AgentStatus,
  Feedback,
  HistoryItem,
  Message,
  Role,
  Session,
  User,
  Workspace,
} from '../store.ts';

/**
 * Rows as pg returns them, and one mapping function per entity. pg parses timestamptz into
 * Date, jsonb into values and integer into number, but returns bigint and numeric (count(*),
 * sum()) as strings, since they may exceed 2^53: `toNumber` is where we accept that risk.
 */

export function toNumber(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

export function toNullableNumber(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Number(value);
}

export interface WorkspaceRow {
  id: string;
  name: string;
  default_agent_id: string | null;
  created_at: Date;
}

export function toWorkspace(row: WorkspaceRow): Workspace {
  return { id: row.id, name: row.name, defaultAgentId: row.default_agent_id, createdAt: row.created_at };
}

export interface UserRow {
  id: string;
  workspace_id: string;
  email: string;
  password_hash: string;
  role: Role;
  created_at: Date;
  deleted_at: Date | null;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
  };
}

export interface AgentRow {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  description: string;
  soul: string;
  status: AgentStatus;
  config: AgentConfig;
  source: 'file' | 'api';
  created_at: Date;
  updated_at: Date;
  last_active_at: Date | null;
}

export function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    role: row.role,
    description: row.description,
    soul: row.soul,
    status: row.status,
    config: row.config,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastActiveAt: row.last_active_at,
  };
}

export interface SessionRow {
  id: string;
  workspace_id: string;
  user_id: string;
  agent_id: string;
  title: string;
  created_at: Date;
  last_message_at: Date;
}

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    userId: row.user_id,
    agentId: row.agent_id,
    title: row.title,
    createdAt: row.created_at,
    lastMessageAt: row.last_message_at,
  };
}

export const messageColumns =
  'id, session_id, workspace_id, user_id, agent_id, role, content, status, input_tokens, output_tokens, model, duration_ms, routed_by, created_at';

export type MessageRow = MessageColumns<Date>;

export const toMessage = (row: MessageRow): Message => messageFromColumns(row);

export type HistoryRow = HistoryColumns<Date>;

export const toHistoryItem = (row: HistoryRow): HistoryItem => historyItemFromColumns(row);

export interface FeedbackRow {
  message_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  created_at: Date;
  updated_at: Date;
}

export function toFeedback(row: FeedbackRow): Feedback {
  return {
    messageId: row.message_id,
    userId: row.user_id,
    rating: row.rating,
    comment: row.comment,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A new message as the parameters of an INSERT in `messageColumns` order. */
export function messageParameters(message: NewMessage): unknown[] {
  return [
    message.id,
    message.sessionId,
    message.workspaceId,
    message.userId,
    message.agentId,
    message.role,
    message.content,
    message.status,
    message.inputTokens ?? null,
    message.outputTokens ?? null,
    message.model ?? null,
    message.durationMs ?? null,
    message.routedBy ?? null,
    message.createdAt,
  ];
}

/** A new message as the port returns it once stored: absent figures are null. */
export function toStoredMessage(message: NewMessage): Message {
  return {
    ...message,
    inputTokens: message.inputTokens ?? null,
    outputTokens: message.outputTokens ?? null,
    model: message.model ?? null,
    durationMs: message.durationMs ?? null,
    routedBy: message.routedBy ?? null,
  };
}
