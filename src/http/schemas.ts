import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MIN_PASSWORD_LENGTH } from '../auth/password-rules.ts';

/**
 * The request and response schemas: the same objects validate requests (Ajv, no coercion for
 * bodies) and generate /openapi.json. Objects are closed (`additionalProperties: false`) so an
 * unknown field is a 400, never silently ignored.
 */
const closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T, options: Parameters<typeof Type.Object>[1] = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

export const Uuid = Type.String({ format: 'uuid', 'x-lowercase': true, description: 'A UUID (v7 for ids made by fleetchat); read in lower case' });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'What was wrong and, where it helps, how to fix it' }),
    code: Type.String({ description: 'Stable UPPER_SNAKE identifier' }),
    details: Type.Optional(Type.Array(Type.Unknown())),
    sessionId: Type.Optional(Type.String()),
    messageId: Type.Optional(Type.String()),
  },
  { $id: 'ErrorBody', additionalProperties: true },
);

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('ErrorBody')]));

// --- auth and users ---------------------------------------------------------------------------

export const LoginBody = closed({
  email: Type.String({ minLength: 1, maxLength: 320 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
});

export const UserView = closed({ id: Uuid, email: Type.String(), role: Type.Union([Type.Literal('admin'), Type.Literal('member')]), workspaceId: Uuid, createdAt: Type.Optional(Timestamp) });

export const LoginResponse = closed({ token: Type.String(), expiresAt: Type.Optional(Timestamp), user: UserView });

/** A password being set (the server counts it again after NFKC: password-rules.ts). */
const NewPassword = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024, description: `At least ${MIN_PASSWORD_LENGTH} characters` });

export const CreateUserBody = closed({
  email: Type.String({ format: 'email', maxLength: 320 }),
  password: NewPassword,
  role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')], { default: 'member' })),
});

export const ChangePasswordBody = closed({
  currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
  newPassword: NewPassword,
});

export const ChangeRoleBody = closed({ role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) });

export const SetPasswordBody = closed({
  password: NewPassword,
});

export const PageQuery = (maxLimit: number, defaultLimit: number) => ({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

/**
 * Limit and offset of a listing that can also be placed by a cursor. The offset has no
 * `default`: the handler must tell an absent offset from offset=0, which a cursor refuses.
 */
const KeysetPageQuery = (maxLimit: number, defaultLimit: number, offsetDescription: string) => ({
  limit: PageQuery(maxLimit, defaultLimit).limit,
  offset: Type.Optional(Type.Integer({ minimum: 0, description: offsetDescription })),
});

export const Pagination = closed({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), hasMore: Type.Boolean() });

export const IdParams = closed({ id: Uuid });

// --- chat -----------------------------------------------------------------------------------

/** A message and where it goes: what sending it and previewing its route share. */
const messageTarget = (maxChars: number) => ({
  message: Type.String({ minLength: 1, maxLength: maxChars, description: `1 to ${maxChars} characters, not only white space` }),
  agentId: Type.Optional(Uuid),
  sessionId: Type.Optional(Uuid),
});

export const SendMessageBody = (maxChars: number) =>
  closed({
    ...messageTarget(maxChars),
    explainRouting: Type.Optional(Type.Boolean({ description: 'Add `routing: { confidence, candidates }` to the answer' })),
  });

// An enum rather than a union of literals: fast-json-stringify writes a string enum as it is, but
// for an anyOf it runs Ajv on the value of every answer to pick the branch.
const routedByValues = ['explicit', 'session', 'relevance', 'recent', 'default'] as const;
const RoutedBy = Type.Unsafe<(typeof routedByValues)[number]>({ type: 'string', enum: [...routedByValues] });

const RoutingView = closed({
  confidence: Type.Number(),
  candidates: Type.Array(closed({ agentId: Uuid, agentName: Type.String(), score: Type.Number() })),
});

export const RouteBody = (maxChars: number) => closed(messageTarget(maxChars));

export const RouteView = closed({
  agentId: Uuid,
  agentName: Type.String(),
  routedBy: RoutedBy,
  routing: Type.Optional(RoutingView),
});

export const AnswerView = closed({
  response: Type.String(),
  agentId: Uuid,
  agentName: Type.String(),
  sessionId: Uuid,
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  durationMs: Type.Integer(),
  messageId: Uuid,
  userMessageId: Uuid,
  model: Type.String(),
  routedBy: RoutedBy,
  routing: Type.Optional(RoutingView),
});

export const HistoryQuery = closed({
  agentId: Type.Optional(Uuid),
  sessionId: Type.Optional(Uuid),
  ...KeysetPageQuery(200, 50, 'Messages to skip; default 0. Not with `before`/`after`.'),
  order: Type.Optional(Type.Union([Type.Literal('desc'), Type.Literal('asc')], { default: 'desc' })),
  before: Type.Optional(
    Type.String({ format: 'uuid', 'x-lowercase': true, description: 'Keyset paging, with order=desc: the page starts right after this message (older ones). Pass `pagination.nextCursor`.' }),
  ),
  after: Type.Optional(
    Type.String({ format: 'uuid', 'x-lowercase': true, description: 'Keyset paging, with order=asc: the page starts right after this message (newer ones). Pass `pagination.nextCursor`.' }),
  ),
});

const FeedbackSummary = closed({ rating: Type.Integer(), comment: Nullable(Type.String()) });

export const HistoryItem = closed({
  id: Uuid,
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  content: Type.String(),
  sessionId: Uuid,
  agentId: Uuid,
  agentName: Type.String(),
  createdAt: Timestamp,
  status: Type.Optional(Type.Union([Type.Literal('complete'), Type.Literal('incomplete'), Type.Literal('streaming')])),
  inputTokens: Type.Optional(Nullable(Type.Integer())),
  outputTokens: Type.Optional(Nullable(Type.Integer())),
  model: Type.Optional(Nullable(Type.String())),
  durationMs: Type.Optional(Nullable(Type.Integer())),
  routedBy: Type.Optional(Nullable(Type.String())),
  feedback: Type.Optional(Nullable(FeedbackSummary)),
});

export const HistoryPagination = closed({
  ...Pagination.properties,
  nextCursor: Nullable(
    Type.String({ format: 'uuid', description: 'When `hasMore`: the last item\'s id, to pass as `before` (order=desc) or `after` (order=asc) for the next page; else null' }),
  ),
});

export const HistoryResponse = closed({ data: Type.Array(HistoryItem), pagination: HistoryPagination });

export const SessionsQuery = closed({
  agentId: Type.Optional(Uuid),
  all: Type.Optional(Type.Boolean({ description: 'Admins: every session of the workspace' })),
  ...KeysetPageQuery(200, 50, 'Sessions to skip; default 0. Not with `cursor`.'),
  cursor: Type.Optional(
    Type.String({ maxLength: 200, description: 'Keyset paging: the page starts right after this position in the listing. Pass `pagination.nextCursor` unchanged.' }),
  ),
});

export const SessionView = closed({ id: Uuid, agentId: Uuid, userId: Uuid, title: Type.String(), createdAt: Timestamp, lastMessageAt: Timestamp });

export const SessionsPagination = closed({
  ...Pagination.properties,
  nextCursor: Nullable(Type.String({ description: 'When `hasMore`: an opaque cursor after the last item, to pass as `cursor` for the next page; else null' })),
});

export const SessionsResponse = closed({ data: Type.Array(SessionView), pagination: SessionsPagination });

export const FeedbackBody = closed({
  messageId: Uuid,
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
});

export const FeedbackResponse = closed({
  ok: Type.Literal(true),
  feedback: closed({ messageId: Uuid, rating: Type.Integer(), comment: Nullable(Type.String()), createdAt: Timestamp, updatedAt: Timestamp }),
});

// --- agents ---------------------------------------------------------------------------------

const ModelName = Type.String({ pattern: '^[A-Za-z0-9_.-]+/.+$', maxLength: 200, description: '`provider/model`' });
const Budget = Nullable(Type.Integer({ minimum: 1 }));
const Strings = (maxItems: number, maxLength: number) => Type.Array(Type.String({ minLength: 1, maxLength }), { maxItems });

const Fallbacks = Type.Optional(Type.Array(ModelName, { maxItems: 10 }));
/** The parts of an agent's config that are optional both on create and on update. */
const agentConfigParts = {
  routing: Type.Optional(closed({ examples: Type.Optional(Strings(500, 1000)), keywords: Type.Optional(Strings(200, 100)) })),
  session: Type.Optional(closed({ maxContextTokens: Type.Optional(Type.Integer({ minimum: 256, maximum: 10_000_000 })) })),
  limits: Type.Optional(closed({ dailyTokenBudget: Type.Optional(Budget), monthlyTokenBudget: Type.Optional(Budget) })),
};
const CreateAgentConfig = closed({ model: closed({ default: ModelName, fallbacks: Fallbacks }), ...agentConfigParts });
const UpdateAgentConfig = closed({ model: Type.Optional(closed({ default: Type.Optional(ModelName), fallbacks: Fallbacks })), ...agentConfigParts });

const AgentName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const AgentStatusInput = Type.Union([Type.Literal('online'), Type.Literal('offline')]);

export const CreateAgentBody = closed({
  name: AgentName,
  role: Type.Optional(Type.String({ maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  soul: Type.Optional(Type.String({ maxLength: 100_000 })),
  status: Type.Optional(AgentStatusInput),
  config: CreateAgentConfig,
});

export const UpdateAgentBody = closed(
  {
    name: Type.Optional(AgentName),
    role: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    soul: Type.Optional(Type.String({ maxLength: 100_000 })),
    status: Type.Optional(AgentStatusInput),
    config: Type.Optional(UpdateAgentConfig),
  },
  { minProperties: 1 },
);

export const AgentView = closed({
  id: Uuid,
  name: Type.String(),
  role: Type.String(),
  description: Type.String(),
  soul: Type.String(),
  status: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('archived')]),
  config: Type.Object({
    model: Type.Object({ default: Type.String(), fallbacks: Type.Array(Type.String()) }),
    routing: Type.Object({ examples: Type.Array(Type.String()), keywords: Type.Array(Type.String()) }),
    session: Type.Object({ maxContextTokens: Type.Integer() }),
    limits: Type.Object({ dailyTokenBudget: Nullable(Type.Integer()), monthlyTokenBudget: Nullable(Type.Integer()) }),
  }),
  source: Type.Union([Type.Literal('file'), Type.Literal('api')]),
  isDefault: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastActiveAt: Nullable(Timestamp),
  tokensTodayInput: Type.Integer(),
  tokensTodayOutput: Type.Integer(),
});

export const AgentsQuery = closed({
  status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('archived')])),
  ...PageQuery(100, 20),
});

export const StatsQuery = closed({ from: Type.Optional(Timestamp), to: Type.Optional(Timestamp) });

const Count = Type.Integer({ minimum: 0 });
const usageFigures = {
  messages: Count,
  tokens: closed({ input: Count, output: Count }),
  feedback: closed({
    count: Count,
    average: Nullable(Type.Number({ description: 'Mean rating, null without feedback' })),
    distribution: closed({ '1': Count, '2': Count, '3': Count, '4': Count, '5': Count }),
  }),
  latencyMs: closed({ p50: Nullable(Type.Number()), p95: Nullable(Type.Number()) }),
  errors: Count,
};

export const AgentStatsResponse = closed({
  agentId: Uuid,
  from: Timestamp,
  to: Timestamp,
  ...usageFigures,
  sessions: Count,
  byModel: Type.Record(Type.String(), closed({ ...usageFigures, sessions: Type.Optional(Count) }), { description: 'The same figures per model that answered' }),
});

export type SendMessage = Static<ReturnType<typeof SendMessageBody>>;
export type History = Static<typeof HistoryQuery>;
export type FeedbackInput = Static<typeof FeedbackBody>;
export type CreateAgent = Static<typeof CreateAgentBody>;
export type UpdateAgent = Static<typeof UpdateAgentBody>;
