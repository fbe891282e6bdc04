/** The workspace's agents: who they are, whether they answer, and today's token use. */
import type { ConsoleContext, Route } from '../context.ts';
import { h, replace } from '../dom.ts';
import { formatInteger } from '../format.ts';
import { renderAgentEditor, tryRouting } from './agent-editor.ts';

export function renderAgents(context: ConsoleContext, main: HTMLElement, route: Route): void {
  const isAdmin = context.user.role === 'admin';
  // `#/agents/<id>` and `#/agents/new`: the editor, for admins.
  if (isAdmin && route.segments[1] !== undefined) return renderAgentEditor(context, main, route);
  const body = h('div', { class: 'panel' }, h('p', { class: 'muted', text: 'Loading agents…' }));
  main.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { text: 'Agents' }), isAdmin ? h('a', { class: 'button button-primary', text: 'New agent', attrs: { href: '#/agents/new' } }) : null),
      body,
      tryRouting(context),
    ),
  );

  void (async () => {
    try {
      const agents = await context.refreshAgents();
      const rows = agents.map((agent) =>
        h(
          'tr',
          {},
          h(
            'th',
            { attrs: { scope: 'row', 'data-label': 'Name' } },
            h('span', { class: 'agent-name', text: agent.name }),
            agent.isDefault ? h('span', { class: 'chip', text: 'default' }) : null,
            h('span', { class: 'agent-description', text: agent.description }),
          ),
          h('td', { text: agent.role || '—', attrs: { 'data-label': 'Role' } }),
          h('td', { attrs: { 'data-label': 'Status' } }, h('span', { class: `status status-${agent.status}`, text: agent.status })),
          h(
            'td',
            { class: 'numeric', attrs: { 'data-label': 'Tokens today' } },
            h('span', { text: formatInteger(agent.tokensTodayInput + agent.tokensTodayOutput) }),
            h('span', { class: 'muted small', text: ` (${formatInteger(agent.tokensTodayInput)} in / ${formatInteger(agent.tokensTodayOutput)} out)` }),
          ),
          h(
            'td',
            { class: 'row-actions', attrs: { 'data-label': 'Actions' } },
            agent.status === 'online' ? h('a', { class: 'button button-quiet button-small', text: 'Chat', attrs: { href: `#/chat?agent=${agent.id}`, 'aria-label': `Chat with ${agent.name}` } }) : null,
            isAdmin ? h('a', { class: 'button button-quiet button-small', text: 'Stats', attrs: { href: `#/stats/${agent.id}`, 'aria-label': `Stats of ${agent.name}` } }) : null,
            isAdmin ? h('a', { class: 'button button-quiet button-small', text: 'Edit', attrs: { href: `#/agents/${agent.id}`, 'aria-label': `Edit ${agent.name}` } }) : null,
          ),
        ),
      );
      replace(
        body,
        h(
          'table',
          { class: 'table table-stack' },
          h('caption', { class: 'visually-hidden', text: 'Agents of the workspace' }),
          h('thead', {}, h('tr', {}, ...['Name', 'Role', 'Status', 'Tokens today', 'Actions'].map((label) => h('th', { text: label, attrs: { scope: 'col' } })))),
          h('tbody', {}, ...rows),
        ),
      );
    } catch (error) {
      context.showError(error, body);
    }
  })();
}
