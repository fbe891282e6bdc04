/**
 * The web console: a shell (header, navigation, live region) around hash-routed views, all
 * talking to the server through the typed client. The token lives in sessionStorage: it is gone
 * when the tab closes, and it is never sent anywhere but the API's Authorization header and the
 * WebSocket URL.
 */
import './styles.css';
import { FleetchatClient, FleetchatError, type User } from '../client/index.ts';
import { parseRoute, type ConsoleContext, type View } from './context.ts';
import { button, focusHeading, h, replace } from './dom.ts';
import { renderAccount } from './views/account.ts';
import { renderAgents } from './views/agents.ts';
import { renderChat } from './views/chat.ts';
import { renderLogin } from './views/login.ts';
import { renderSessions } from './views/sessions.ts';
import { renderStats } from './views/stats.ts';
import { renderUsers } from './views/users.ts';

const TOKEN_KEY = 'fleetchat.token';

const client = new FleetchatClient({ baseUrl: location.origin, token: sessionStorage.getItem(TOKEN_KEY) ?? undefined });
const root = document.getElementById('app') as HTMLElement;
const liveRegion = h('div', { class: 'visually-hidden', attrs: { role: 'status', 'aria-live': 'polite' } });

const views: Record<string, { view: View; label: string; adminOnly?: boolean; inNav?: false }> = {
  chat: { view: renderChat, label: 'Chat' },
  sessions: { view: renderSessions, label: 'Sessions' },
  agents: { view: renderAgents, label: 'Agents' },
  stats: { view: renderStats, label: 'Stats', adminOnly: true },
  users: { view: renderUsers, label: 'Users', adminOnly: true },
  // Reached from the account's email in the header.
  account: { view: renderAccount, label: 'Account', inNav: false },
};

let leaveView: (() => void) | undefined;

function announce(text: string): void {
  // Cleared first so that the same sentence twice is read twice.
  liveRegion.textContent = '';
  setTimeout(() => (liveRegion.textContent = text), 50);
}

function signOut(notice?: string): void {
  leaveView?.();
  leaveView = undefined;
  window.onhashchange = null;
  sessionStorage.removeItem(TOKEN_KEY);
  client.logout();
  showLogin(notice);
}

function errorText(error: unknown): string {
  if (error instanceof FleetchatError) return error.code === 'CONNECTION_ERROR' ? 'The server cannot be reached. Check your connection and try again.' : error.message;
  return error instanceof Error ? error.message : String(error);
}

function showLogin(notice?: string): void {
  document.title = 'Sign in · fleetchat';
  replace(root, liveRegion);
  renderLogin(root, {
    notice,
    errorText,
    async submit(email, password) {
      const { token, user } = await client.login(email, password);
      sessionStorage.setItem(TOKEN_KEY, token);
      await startShell(user);
    },
  });
}

async function startShell(user: User): Promise<void> {
  const main = h('main', { attrs: { id: 'main', tabindex: '-1' } });
  const nav = h('nav', { class: 'nav', attrs: { 'aria-label': 'Main' } });
  const context: ConsoleContext = {
    client,
    user,
    agents: [],
    sessions: new Map(),
    navigate: (hash) => {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
    announce,
    showError(error, where) {
      if (error instanceof FleetchatError && error.status === 401) return signOut('Your session has ended. Please sign in again.');
      const alert = h('p', { class: 'alert', attrs: { role: 'alert' } }, errorText(error));
      if (where) replace(where, alert);
      else main.prepend(alert);
    },
    refreshAgents: async () => (context.agents = (await client.agents({ limit: 100 })).data),
    keepToken: () => {
      if (client.token) sessionStorage.setItem(TOKEN_KEY, client.token);
    },
  };

  const links = Object.entries(views)
    .filter(([, entry]) => entry.inNav !== false && (!entry.adminOnly || user.role === 'admin'))
    .map(([name, entry]) => h('a', { text: entry.label, attrs: { href: `#/${name}`, 'data-view': name } }));
  replace(nav, ...links);
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', attrs: { href: '#/chat' } }, h('span', { class: 'brand-mark', attrs: { 'aria-hidden': 'true' } }, '◆'), 'fleetchat'),
    nav,
    h(
      'div',
      { class: 'account' },
      // The email on wide screens, "Account" on phones (where the email would not fit).
      h('a', { class: 'account-link', attrs: { href: '#/account', title: 'Your account and password' } }, h('span', { class: 'account-email', text: user.email }), h('span', { class: 'account-short', text: 'Account' })),
      h('span', { class: `badge badge-${user.role}`, text: user.role }),
      button('Sign out', () => signOut('You have signed out.'), { class: 'button-quiet' }),
    ),
  );
  const skip = h('a', { class: 'skip-link', text: 'Skip to content', attrs: { href: '#main' } });
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  replace(root, skip, header, main, liveRegion);

  function route(): void {
    const current = parseRoute(location.hash);
    const name = current.segments[0] ?? 'chat';
    const entry = views[name];
    if (!entry || (entry.adminOnly && user.role !== 'admin')) return void (location.hash = '#/chat');
    leaveView?.();
    for (const link of links) {
      if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${entry.label} · fleetchat`;
    main.replaceChildren();
    main.dataset.view = name;
    leaveView = entry.view(context, main, current) ?? undefined;
    focusHeading(main);
  }

  try {
    await context.refreshAgents();
  } catch (error) {
    return context.showError(error);
  }
  window.onhashchange = route;
  route();
}

async function start(): Promise<void> {
  if (!client.token) return showLogin();
  try {
    await startShell(await client.me());
  } catch (error) {
    signOut(error instanceof FleetchatError && error.status === 401 ? 'Your session has ended. Please sign in again.' : errorText(error));
  }
}

void start();
