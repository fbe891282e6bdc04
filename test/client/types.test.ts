/**
 * The client's hand-written wire types must keep matching the server's schemas. The checks are
 * compile-time (`npm run typecheck` fails when a schema changes and the client does not); the
 * test below only keeps vitest from reporting an empty file.
 */
import type { Static } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import type * as Client from '../../src/client/index.ts';
import type * as Schemas from '../../src/http/schemas.ts';
import type { AgentStats } from '../../src/store/store.ts';

/** True when each type is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** True when A (the client's) is assignable to B: the client may be narrower (literal unions). */
type Fits<A, B> = [A] extends [B] ? true : false;
const check = <T extends true>(): T => true as T;

check<Same<Client.User, Static<typeof Schemas.UserView>>>();
check<Same<Client.LoginResponse, Static<typeof Schemas.LoginResponse>>>();
check<Same<Client.Pagination, Static<typeof Schemas.Pagination>>>();
check<Same<Client.Session, Static<typeof Schemas.SessionView>>>();
check<Same<Client.FeedbackResponse, Static<typeof Schemas.FeedbackResponse>>>();
check<Same<Client.Agent, Static<typeof Schemas.AgentView>>>();
check<Same<Client.FeedbackInput, Static<typeof Schemas.FeedbackBody>>>();
check<Same<Client.HistoryQuery, Static<typeof Schemas.HistoryQuery>>>();
check<Same<Client.HistoryPagination, Static<typeof Schemas.HistoryPagination>>>();
check<Same<Client.SessionsPagination, Static<typeof Schemas.SessionsPagination>>>();
check<Same<Client.SessionsPage, Static<typeof Schemas.SessionsResponse>>>();
check<Same<Client.AgentsQuery, Static<typeof Schemas.AgentsQuery>>>();
check<Same<Client.AgentStats, Static<typeof Schemas.AgentStatsResponse>>>();
// The server types routedBy as a plain string in its schemas; the client names the five values.
check<Fits<Client.Answer, Static<typeof Schemas.AnswerView>>>();
check<Fits<Client.HistoryItem, Static<typeof Schemas.HistoryItem>>>();
check<Fits<Client.HistoryPage, Static<typeof Schemas.HistoryResponse>>>();
check<Same<keyof Client.Answer, keyof Static<typeof Schemas.AnswerView>>>();
check<Same<keyof Client.HistoryItem, keyof Static<typeof Schemas.HistoryItem>>>();
check<Same<Omit<Client.SendMessageInput, 'idempotencyKey'>, Static<ReturnType<typeof Schemas.SendMessageBody>>>>();
check<Same<Omit<Client.SessionsQuery, never>, Static<typeof Schemas.SessionsQuery>>>();
check<Same<Client.RouteInput, Static<ReturnType<typeof Schemas.RouteBody>>>>();
check<Fits<Client.RouteDecision, Static<typeof Schemas.RouteView>>>();
check<Same<keyof Client.RouteDecision, keyof Static<typeof Schemas.RouteView>>>();
// Optional fields make Same lenient about a field that only one side has; compare the names too.
check<Same<keyof Client.SessionsQuery, keyof Static<typeof Schemas.SessionsQuery>>>();
check<Same<Omit<Client.AgentStats, 'agentId' | 'from' | 'to'>, AgentStats>>();
check<Same<Client.CreateUserInput, Static<typeof Schemas.CreateUserBody>>>();
check<Same<keyof Client.CreateUserInput, keyof Static<typeof Schemas.CreateUserBody>>>();
check<Same<Client.CreateAgentInput, Static<typeof Schemas.CreateAgentBody>>>();
check<Same<keyof Client.CreateAgentInput, keyof Static<typeof Schemas.CreateAgentBody>>>();
check<Same<keyof Client.AgentConfigInput, keyof Static<typeof Schemas.CreateAgentBody>['config']>>();
check<Same<Client.UpdateAgentInput, Static<typeof Schemas.UpdateAgentBody>>>();
check<Same<keyof Client.UpdateAgentInput, keyof Static<typeof Schemas.UpdateAgentBody>>>();
check<Same<Client.Role, Static<typeof Schemas.ChangeRoleBody>['role']>>();

describe('wire types', () => {
  it('are checked at compile time (npm run typecheck)', () => {
    expect(true).toBe(true);
  });
});
