/**
 * Past sessions, newest activity first; "Show older sessions" appends the next page, continuing
 * from the last one shown (keyset: a session that gets a message meanwhile is not listed twice).
 * Admins may list the workspace's.
 */
import type { Session } from '../../client/index.ts';
import type { ConsoleContext, Route } from '../context.ts';
import { agentName } from '../context.ts';
import { h, replace } from '../dom.ts';
import { formatInteger, formatTime } from '../format.ts';

const PAGE_SIZE = 20;

export function renderSessions(context: ConsoleContext, main: HTMLElement, route: Route): void {
  const isAdmin = context.user.role === 'admin';
  const all = isAdmin && route.query.get('all') === '1';
  const href = (options: { all: boolean }) => (options.all ? '#/sessions?all=1' : '#/sessions');

  const body = h('div', { class: 'panel' }, h('p', { class: 'muted', text: 'Loading sessions…' }));
  main.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { text: all ? 'All sessions of the workspace' : 'Your sessions' })),
      isAdmin
        ? h(
            'nav',
            { class: 'segmented', attrs: { 'aria-label': 'Whose sessions' } },
            h('a', { text: 'Mine', attrs: { href: href({ all: false }), 'aria-current': all ? undefined : 'page' } }),
            h('a', { text: 'Whole workspace', attrs: { href: href({ all: true }), 'aria-current': all ? 'page' : undefined } }),
          )
        : null,
      body,
    ),
  );

  const row = (session: Session) =>
    h(
      'tr',
      {},
      h('th', { attrs: { scope: 'row', 'data-label': 'Session' } }, h('a', { text: session.title || 'Untitled session', attrs: { href: `#/chat/${session.id}` } })),
      h('td', { text: agentName(context, session.agentId), attrs: { 'data-label': 'Agent' } }),
      all ? h('td', { text: ownerName(session.userId), attrs: { 'data-label': 'Owner', title: session.userId } }) : null,
      h('td', { attrs: { 'data-label': 'Last message' } }, h('time', { text: formatTime(session.lastMessageAt), attrs: { datetime: session.lastMessageAt } })),
      h('td', { attrs: { 'data-label': 'Started' } }, h('time', { text: formatTime(session.createdAt), attrs: { datetime: session.createdAt } })),
    );

  // The workspace's users by id, for the Owner column (the first 100; a deleted user is not listed).
  const emails = new Map<string, string>();
  const ownerName = (userId: string) => (userId === context.user.id ? 'You' : (emails.get(userId) ?? `User ${userId.slice(-6)}`));

  void (async () => {
    try {
      const [page, users] = await Promise.all([
        context.client.sessions({ all: all || undefined, limit: PAGE_SIZE }),
        all ? context.client.users({ limit: 100 }).catch(() => undefined) : undefined,
      ]);
      for (const user of users?.data ?? []) emails.set(user.id, user.email);
      for (const session of page.data) context.sessions.set(session.id, session);
      if (page.data.length === 0) {
        replace(body, h('p', { class: 'muted', text: 'No sessions yet. Start one from the Chat page.' }), h('a', { class: 'button button-primary', text: 'New chat', attrs: { href: '#/chat' } }));
        return;
      }
      const tbody = h('tbody', {}, ...page.data.map(row));
      const count = h('p', { class: 'muted' });
      const more = h('button', { class: 'button button-quiet', text: 'Show older sessions', attrs: { type: 'button' } });
      let shown = page.data.length;
      let total = page.pagination.total;
      let cursor = page.pagination.nextCursor;
      const update = () => {
        count.textContent = `${formatInteger(shown)} of ${formatInteger(total)} sessions`;
        if (cursor === null) more.remove(); // a `hidden` attribute loses to the button's display rule
      };
      more.addEventListener('click', () => {
        if (cursor === null) return;
        more.setAttribute('disabled', '');
        void (async () => {
          try {
            const older = await context.client.sessions({ all: all || undefined, limit: PAGE_SIZE, cursor: cursor as string });
            for (const session of older.data) context.sessions.set(session.id, session);
            const added = older.data.map(row);
            tbody.append(...added);
            shown += older.data.length;
            total = older.pagination.total;
            cursor = older.data.length > 0 ? older.pagination.nextCursor : null;
            update();
            // The last page removes the button: keep the keyboard where the new rows start.
            if (cursor === null) added[0]?.querySelector('a')?.focus();
          } catch (error) {
            context.showError(error);
          } finally {
            more.removeAttribute('disabled');
          }
        })();
      });
      replace(
        body,
        h(
          'table',
          { class: 'table table-stack' },
          h('caption', { class: 'visually-hidden', text: all ? 'Every session of the workspace' : 'Your sessions' }),
          h(
            'thead',
            {},
            h('tr', {}, ...['Session', 'Agent', ...(all ? ['Owner'] : []), 'Last message', 'Started'].map((label) => h('th', { text: label, attrs: { scope: 'col' } }))),
          ),
          tbody,
        ),
        h('div', { class: 'pager' }, count, h('div', { class: 'actions' }, more)),
      );
      // After the pager is in the page: with nothing older, update() takes the button out of it.
      update();
    } catch (error) {
      context.showError(error, body);
    }
  })();
}
