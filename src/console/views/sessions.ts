/** Past sessions, newest activity first, one page at a time; admins may list the workspace's. */
import type { ConsoleContext, Route } from '../context.ts';
import { agentName } from '../context.ts';
import { h, replace } from '../dom.ts';
import { formatInteger, formatTime } from '../format.ts';

const PAGE_SIZE = 20;

export function renderSessions(context: ConsoleContext, main: HTMLElement, route: Route): void {
  const isAdmin = context.user.role === 'admin';
  const all = isAdmin && route.query.get('all') === '1';
  const offset = Math.max(0, Number.parseInt(route.query.get('offset') ?? '0', 10) || 0);
  const href = (options: { all: boolean; offset: number }) => `#/sessions?${new URLSearchParams({ ...(options.all ? { all: '1' } : {}), offset: String(options.offset) })}`;

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
            h('a', { text: 'Mine', attrs: { href: href({ all: false, offset: 0 }), 'aria-current': all ? undefined : 'page' } }),
            h('a', { text: 'Whole workspace', attrs: { href: href({ all: true, offset: 0 }), 'aria-current': all ? 'page' : undefined } }),
          )
        : null,
      body,
    ),
  );

  void (async () => {
    try {
      const page = await context.client.sessions({ all: all || undefined, limit: PAGE_SIZE, offset });
      for (const session of page.data) context.sessions.set(session.id, session);
      if (page.data.length === 0) {
        replace(body, h('p', { class: 'muted', text: offset > 0 ? 'No more sessions.' : 'No sessions yet. Start one from the Chat page.' }), h('a', { class: 'button button-primary', text: 'New chat', attrs: { href: '#/chat' } }));
        return;
      }
      const rows = page.data.map((session) =>
        h(
          'tr',
          {},
          h('th', { attrs: { scope: 'row', 'data-label': 'Session' } }, h('a', { text: session.title || 'Untitled session', attrs: { href: `#/chat/${session.id}` } })),
          h('td', { text: agentName(context, session.agentId), attrs: { 'data-label': 'Agent' } }),
          all ? h('td', { text: session.userId === context.user.id ? 'You' : `User ${session.userId.slice(-6)}`, attrs: { 'data-label': 'Owner', title: session.userId } }) : null,
          h('td', { attrs: { 'data-label': 'Last message' } }, h('time', { text: formatTime(session.lastMessageAt), attrs: { datetime: session.lastMessageAt } })),
          h('td', { attrs: { 'data-label': 'Started' } }, h('time', { text: formatTime(session.createdAt), attrs: { datetime: session.createdAt } })),
        ),
      );
      const { total } = page.pagination;
      const previous = offset > 0 ? h('a', { class: 'button button-quiet', text: '← Newer', attrs: { href: href({ all, offset: Math.max(0, offset - PAGE_SIZE) }) } }) : null;
      const next = page.pagination.hasMore ? h('a', { class: 'button button-quiet', text: 'Older →', attrs: { href: href({ all, offset: offset + page.data.length }) } }) : null;
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
          h('tbody', {}, ...rows),
        ),
        h(
          'div',
          { class: 'pager' },
          h('p', { class: 'muted', text: `${formatInteger(offset + 1)}–${formatInteger(offset + page.data.length)} of ${formatInteger(total)}` }),
          h('div', { class: 'actions' }, previous, next),
        ),
      );
    } catch (error) {
      context.showError(error, body);
    }
  })();
}
