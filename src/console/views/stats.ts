/**
 * Admins: one agent's feedback, usage and latency. Ratings, latency and message counts come
 * from `GET /api/agents/:id/stats` over the chosen period; tokens today from the agent itself,
 * tokens this month from the stats since the first of the UTC month (budgets use UTC months).
 */
import type { Agent, AgentStats } from '../../client/index.ts';
import { barChart } from '../chart.ts';
import type { ConsoleContext, Route } from '../context.ts';
import { h, replace } from '../dom.ts';
import { formatDecimal, formatDuration, formatInteger, startOfUtcMonth } from '../format.ts';

const PERIODS = [7, 30, 90];
const DAY_MS = 24 * 60 * 60 * 1000;

export function renderStats(context: ConsoleContext, main: HTMLElement, route: Route): void {
  const agents = context.agents.filter((agent) => agent.status !== 'archived');
  const agentId = route.segments[1] ?? agents[0]?.id;
  const days = PERIODS.includes(Number(route.query.get('days'))) ? Number(route.query.get('days')) : 30;

  const agentSelect = h('select', { attrs: { id: 'stats-agent' } }, ...context.agents.map((agent) => h('option', { text: agent.name, attrs: { value: agent.id } })));
  const periodSelect = h('select', { attrs: { id: 'stats-period' } }, ...PERIODS.map((value) => h('option', { text: `Last ${value} days`, attrs: { value } })));
  if (agentId) agentSelect.value = agentId;
  periodSelect.value = String(days);
  // Changing a select navigates, so the address always names what is shown (and can be shared).
  const go = () => context.navigate(`#/stats/${agentSelect.value}?days=${periodSelect.value}`);
  agentSelect.addEventListener('change', go);
  periodSelect.addEventListener('change', go);

  const body = h('div', { class: 'stats-body', attrs: { 'aria-busy': 'true' } }, h('p', { class: 'muted', text: 'Loading stats…' }));
  main.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { text: 'Agent stats' })),
      h(
        'div',
        { class: 'filters' },
        h('div', { class: 'field field-inline' }, h('label', { text: 'Agent', attrs: { for: 'stats-agent' } }), agentSelect),
        h('div', { class: 'field field-inline' }, h('label', { text: 'Period', attrs: { for: 'stats-period' } }), periodSelect),
      ),
      body,
    ),
  );
  if (!agentId) return void replace(body, h('p', { class: 'muted', text: 'No agents in this workspace yet.' }));

  void (async () => {
    try {
      const now = new Date();
      const [agent, period, month] = await Promise.all([
        context.client.agent(agentId),
        context.client.agentStats(agentId, { from: new Date(now.getTime() - days * DAY_MS), to: now }),
        context.client.agentStats(agentId, { from: startOfUtcMonth(now), to: now }),
      ]);
      replace(body, ...statsContent(agent, period, month, days));
      body.removeAttribute('aria-busy');
    } catch (error) {
      context.showError(error, body);
    }
  })();
}

function card(label: string, value: string, detail?: string): HTMLElement {
  return h('div', { class: 'card' }, h('dt', { text: label }), h('dd', {}, h('span', { class: 'card-value', text: value }), detail ? h('span', { class: 'card-detail', text: detail }) : null));
}

function statsContent(agent: Agent, period: AgentStats, month: AgentStats, days: number): HTMLElement[] {
  const { feedback, latencyMs, tokens } = period;
  const today = agent.tokensTodayInput + agent.tokensTodayOutput;
  const monthTotal = month.tokens.input + month.tokens.output;
  const budget = agent.config.limits;
  const bars = (['5', '4', '3', '2', '1'] as const).map((rating) => ({ label: `${rating} ★`, value: feedback.distribution[rating] }));
  const models = Object.entries(period.byModel);

  return [
    h('p', { class: 'muted', text: `${agent.name} · ${agent.role} · over the last ${days} days unless noted.` }),
    h(
      'dl',
      { class: 'cards' },
      card('Average rating', feedback.average === null ? '—' : `${formatDecimal(feedback.average)} / 5`, `${formatInteger(feedback.count)} ${feedback.count === 1 ? 'rating' : 'ratings'}`),
      card('Messages', formatInteger(period.messages), `${formatInteger(period.sessions)} sessions · ${formatInteger(period.errors)} errors`),
      card('Tokens today', formatInteger(today), budget.dailyTokenBudget ? `of ${formatInteger(budget.dailyTokenBudget)} a day` : `${formatInteger(agent.tokensTodayInput)} in / ${formatInteger(agent.tokensTodayOutput)} out`),
      card('Tokens this month', formatInteger(monthTotal), budget.monthlyTokenBudget ? `of ${formatInteger(budget.monthlyTokenBudget)} a month` : `${formatInteger(month.tokens.input)} in / ${formatInteger(month.tokens.output)} out`),
      card('Latency p50', formatDuration(latencyMs.p50), 'to the complete answer'),
      card('Latency p95', formatDuration(latencyMs.p95), `${formatInteger(tokens.input + tokens.output)} tokens in the period`),
    ),
    h('div', { class: 'panel' }, barChart({ title: `Ratings of ${agent.name} (${formatInteger(feedback.count)} in total)`, bars, unit: 'ratings' })),
    models.length
      ? h(
          'div',
          { class: 'panel' },
          h('h2', { text: 'By model' }),
          h(
            'table',
            { class: 'table table-stack' },
            h('thead', {}, h('tr', {}, ...['Model', 'Messages', 'Tokens in / out', 'Average rating', 'Latency p50 / p95'].map((label) => h('th', { text: label, attrs: { scope: 'col' } })))),
            h(
              'tbody',
              {},
              ...models.map(([model, figures]) =>
                h(
                  'tr',
                  {},
                  h('th', { text: model, attrs: { scope: 'row', 'data-label': 'Model' } }),
                  h('td', { class: 'numeric', text: formatInteger(figures.messages), attrs: { 'data-label': 'Messages' } }),
                  h('td', { class: 'numeric', text: `${formatInteger(figures.tokens.input)} / ${formatInteger(figures.tokens.output)}`, attrs: { 'data-label': 'Tokens in / out' } }),
                  h('td', { class: 'numeric', text: figures.feedback.average === null ? '—' : formatDecimal(figures.feedback.average), attrs: { 'data-label': 'Average rating' } }),
                  h('td', { class: 'numeric', text: `${formatDuration(figures.latencyMs.p50)} / ${formatDuration(figures.latencyMs.p95)}`, attrs: { 'data-label': 'Latency p50 / p95' } }),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'No answers in this period yet.' }),
  ];
}
