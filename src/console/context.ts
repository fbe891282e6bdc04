import type { Agent, FleetchatClient, Session, User } from '../client/index.ts';

/** What every view gets: the client, the signed-in user, and the shell's services. */
export interface ConsoleContext {
  client: FleetchatClient;
  user: User;
  /** The workspace's agents, loaded once after login and refreshed by the agents view. */
  agents: Agent[];
  /** Sessions seen in a list, by id: the chat view uses them to know whose session it shows. */
  sessions: Map<string, Session>;
  /** Goes to a `#/…` route. */
  navigate(hash: string): void;
  /** Says something to screen readers through the shell's live region. */
  announce(text: string): void;
  /** Shows an error where the view wants it; a 401 sends the user back to the login form. */
  showError(error: unknown, where?: HTMLElement): void;
  refreshAgents(): Promise<Agent[]>;
  /** Keeps the client's current token for this tab (after a password change replaced it). */
  keepToken(): void;
}

/** A view draws itself into `main`; the returned function runs when the user navigates away. */
export type View = (context: ConsoleContext, main: HTMLElement, route: Route) => void | (() => void);

export interface Route {
  /** The path segments after `#/`, e.g. `['chat', '<sessionId>']`. */
  segments: string[];
  /** The hash's query, e.g. `#/chat?agent=<id>`. */
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export const agentName = (context: ConsoleContext, agentId: string): string => context.agents.find((agent) => agent.id === agentId)?.name ?? 'Unknown agent';
