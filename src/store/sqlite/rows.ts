import { historyItemFromColumns, messageFromColumns, type HistoryColumns, type MessageColumns } from '../message-rows.ts';
/**
 * Rows as SQLite returns them (snake_case, INTEGER milliseconds, JSON as TEXT) and one mapping
 * function per entity into the domain types of the port. Rows never leave this folder.
 */
import type {
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

export interface WorkspaceRow {
  id: string;
  name: string;
  default_agent_id: string | null;
  created_at: number;
}

export interface UserRow {
  id: string;
  workspace_id: string;
  email: string;
  password_hash: string;
  role: Role;
  created_at: number;
  deleted_at: number | null;
}

export interface AgentRow {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  description: string;
  soul: string;
  status: AgentStatus;
  config: string;
  source: 'file' | 'api';
  created_at: number;
  updated_at: number;
  last_active_at: number | null;
}

export interface SessionRow {
  id: string;
  workspace_id: string;
  user_id: string;
  agent_id: string;
  title: string;
  created_at: number;
  last_message_at: number;
}

export type MessageRow = MessageColumns<number>;

/** A message row with the columns the history query adds by scalar subqueries. */
export type HistoryRow = HistoryColumns<number>;

export interface FeedbackRow {
  message_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  created_at: number;
  updated_at: number;
}

/** Column list of `messages`, in one place so every message query selects the same shape. */
export const messageColumns =
  'id, session_id, workspace_id, user_id, agent_id, role, content, status, input_tokens, output_tokens, model, duration_ms, routed_by, created_at';

function dateOrNull(milliseconds: number | null): Date | null {
  return milliseconds === null ? null : new Date(milliseconds);
}

export function toWorkspace(row: WorkspaceRow): Workspace {
  return { id: row.id, name: row.name, defaultAgentId: row.default_agent_id, createdAt: new Date(row.created_at) };
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    createdAt: new Date(row.created_at),
    deletedAt: dateOrNull(row.deleted_at),
  };
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
    config: JSON.parse(row.config) as AgentConfig,
    source: row.source,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    lastActiveAt: dateOrNull(row.last_active_at),
  };
}

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    userId: row.user_id,
    agentId: row.agent_id,
    title: row.title,
    createdAt: new Date(row.created_at),
    lastMessageAt: new Date(row.last_message_at),
  };
}

export const toMessage = (row: MessageRow): Message => messageFromColumns(row);

export const toHistoryItem = (row: HistoryRow): HistoryItem => historyItemFromColumns(row);

export function toFeedback(row: FeedbackRow): Feedback {
  return {
    messageId: row.message_id,
    userId: row.user_id,
    rating: row.rating,
    comment: row.comment,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
