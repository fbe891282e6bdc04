/**
 * One agent's settings (admins): who it is, its model, its routing examples and keywords, its
 * budgets, its SOUL; with "Try routing" beside them, so that examples can be tuned and checked
 * at once (the router learns again as soon as the agent is saved). `#/agents/new` creates one.
 */
import type { Agent, CreateAgentInput, RouteDecision } from '../../client/index.ts';
import type { ConsoleContext, Route } from '../context.ts';
import { button, formFeedback, h, replace } from '../dom.ts';

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

const lines = (text: string): string[] => text.split('\n').map((line) => line.trim()).filter(Boolean);
const list = (text: string): string[] => text.split(',').map((item) => item.trim()).filter(Boolean);

/** A budget field: blank is "no budget" (null). */
function budget(value: string): number | null {
  return value.trim() === '' ? null : Number(value);
}

export function renderAgentEditor(context: ConsoleContext, main: HTMLElement, route: Route): void {
  const id = route.segments[1];
  const creating = id === 'new';
  const { element: feedback, say } = formFeedback();
  const panel = h('div', { class: 'panel' }, h('p', { class: 'muted', text: 'Loading the agent…' }));
  const heading = h('h1', { text: creating ? 'New agent' : 'Agent' });
  main.append(h('section', { class: 'page' }, h('div', { class: 'page-head' }, heading, h('a', { class: 'button button-quiet', text: 'All agents', attrs: { href: '#/agents' } })), feedback, panel, tryRouting(context)));

  const field = (name: string, label: string, input: Field, hint?: string) => {
    input.id = `agent-${name}`;
    input.setAttribute('name', name);
    if (hint) input.setAttribute('aria-describedby', `agent-${name}-hint`);
    return h('div', { class: 'field' }, h('label', { text: label, attrs: { for: input.id } }), input, hint ? h('p', { class: 'field-hint', text: hint, attrs: { id: `agent-${name}-hint` } }) : null);
  };

  const draw = (agent: Agent | undefined) => {
    const name = h('input', { attrs: { type: 'text', maxlength: 100, required: true, value: agent?.name ?? '' } });
    const role = h('input', { attrs: { type: 'text', maxlength: 200, value: agent?.role ?? '' } });
    const description = h('textarea', { attrs: { rows: 3, maxlength: 2000 } });
    description.value = agent?.description ?? '';
    const status = h('select', {}, h('option', { text: 'online', attrs: { value: 'online' } }), h('option', { text: 'offline', attrs: { value: 'offline' } }));
    status.value = agent?.status === 'offline' ? 'offline' : 'online';
    const model = h('input', { attrs: { type: 'text', required: true, placeholder: 'provider/model', value: agent?.config.model.default ?? '' } });
    const fallbacks = h('input', { attrs: { type: 'text', value: agent?.config.model.fallbacks.join(', ') ?? '' } });
    const examples = h('textarea', { attrs: { rows: 8 } });
    examples.value = agent?.config.routing.examples.join('\n') ?? '';
    const keywords = h('input', { attrs: { type: 'text', value: agent?.config.routing.keywords.join(', ') ?? '' } });
    const daily = h('input', { attrs: { type: 'number', min: 1, step: 1, value: agent?.config.limits.dailyTokenBudget ?? '' } });
    const monthly = h('input', { attrs: { type: 'number', min: 1, step: 1, value: agent?.config.limits.monthlyTokenBudget ?? '' } });
    const soul = h('textarea', { attrs: { rows: 8, maxlength: 100_000 } });
    soul.value = agent?.soul ?? '';
    const save = h('button', { class: 'button-primary', text: creating ? 'Create agent' : 'Save', attrs: { type: 'submit' } });

    const form = h(
      'form',
      { class: 'agent-form', attrs: { novalidate: true, 'aria-label': creating ? 'New agent' : `Settings of ${agent?.name ?? ''}` } },
      agent?.status === 'archived' ? h('p', { class: 'notice', text: 'This agent is archived: it answers nothing, is not routed to, and can no longer be changed. Its history stays readable.' }) : null,
      agent?.source === 'file' && agent.status !== 'archived' ? h('p', { class: 'notice', text: 'This agent comes from the fleet file: changes made here last until the next start, which applies the file again.' }) : null,
      field('name', 'Name', name),
      field('role', 'Role', role),
      field('description', 'Description', description, 'What it does, for people and for routing: a list of its duties routes best.'),
      field('status', 'Status', status, 'An offline agent keeps its history but answers nothing and is not routed to.'),
      field('model', 'Model', model, 'provider/model, from a provider of the configuration.'),
      field('fallbacks', 'Fallback models', fallbacks, 'Comma-separated, tried in order when the model fails.'),
      field('examples', 'Routing examples', examples, 'One message per line, phrased as users write: each is a training sample for routing.'),
      field('keywords', 'Routing keywords', keywords, 'Comma-separated words or phrases that point to this agent.'),
      h('div', { class: 'field-pair' }, field('daily', 'Daily token budget', daily, 'Blank: none.'), field('monthly', 'Monthly token budget', monthly, 'Blank: none.')),
      field('soul', 'SOUL (persona and instructions)', soul),
      agent?.status === 'archived' ? null : h('div', { class: 'actions' }, save, agent ? archiveButton(agent) : null),
    );
    if (agent?.status === 'archived') {
      form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('input, textarea, select').forEach((control) => (control.disabled = true));
    }
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (agent?.status === 'archived') return;
      if (name.value.trim() === '') return say('alert', 'The agent needs a name.');
      if (model.value.trim() === '') return say('alert', 'The agent needs a model (provider/model).');
      for (const [input, label] of [[daily, 'daily'], [monthly, 'monthly']] as const) {
        const value = budget(input.value);
        if (value !== null && !(Number.isInteger(value) && value >= 1)) return say('alert', `The ${label} token budget must be a whole number of at least 1, or blank.`);
      }
      const body: CreateAgentInput = {
        name: name.value.trim(),
        role: role.value.trim(),
        description: description.value.trim(),
        soul: soul.value,
        status: status.value as 'online' | 'offline',
        config: {
          model: { default: model.value.trim(), fallbacks: list(fallbacks.value) },
          routing: { examples: lines(examples.value), keywords: list(keywords.value) },
          limits: { dailyTokenBudget: budget(daily.value), monthlyTokenBudget: budget(monthly.value) },
        },
      };
      save.disabled = true;
      try {
        const saved = creating ? await context.client.createAgent(body) : await context.client.updateAgent(agent!.id, body);
        await context.refreshAgents();
        context.announce(`${saved.name} saved`);
        if (creating) return context.navigate(`#/agents/${saved.id}`);
        draw(saved);
        say('notice', `${saved.name} was saved; routing has learned its examples again.`);
      } catch (error) {
        context.showError(error, feedback);
      } finally {
        save.disabled = false;
      }
    });
    heading.textContent = creating ? 'New agent' : (agent?.name ?? 'Agent');
    replace(panel, form);
  };

  const archiveButton = (agent: Agent): HTMLElement => {
    const holder = h('span', {});
    const ask = button('Archive', () => {
      const confirm = button(`Archive ${agent.name}`, async () => {
        confirm.disabled = true;
        try {
          await context.client.archiveAgent(agent.id);
          await context.refreshAgents();
          context.navigate('#/agents');
        } catch (error) {
          confirm.disabled = false;
          context.showError(error, feedback);
        }
      }, { class: 'button-danger' });
      replace(holder, confirm, button('Cancel', () => replace(holder, ask), { class: 'button-quiet' }));
      confirm.focus();
    }, { class: 'button-quiet' });
    holder.append(ask);
    return holder;
  };

  if (creating) return draw(undefined);
  void (async () => {
    try {
      draw(await context.client.agent(id));
    } catch (error) {
      context.showError(error, panel);
    }
  })();
}

/** "Where would this message go?": the router's decision and runners-up, nothing sent or stored. */
export function tryRouting(context: ConsoleContext): HTMLElement {
  const input = h('input', { attrs: { id: 'route-message', type: 'text', maxlength: 2000, placeholder: 'A message a user might send' } });
  const result = h('div', { attrs: { 'aria-live': 'polite' } });
  const check = h('button', { class: 'button', text: 'Route it', attrs: { type: 'submit' } });
  const form = h(
    'form',
    { class: 'route-form', attrs: { 'aria-labelledby': 'route-title' } },
    h('h2', { text: 'Try routing', attrs: { id: 'route-title' } }),
    h('p', { class: 'muted', text: 'Which agent would answer this message, and how sure is the router? Nothing is sent to a model or stored.' }),
    h('div', { class: 'field' }, h('label', { text: 'Message', attrs: { for: 'route-message' } }), input),
    check,
    result,
  );
  const show = (decision: RouteDecision) => {
    const confidence = decision.routing ? `${Math.round(decision.routing.confidence * 100)} % sure` : '';
    replace(
      result,
      h('p', { class: 'route-decision' }, h('strong', { text: decision.agentName }), ` · ${decision.routedBy}${confidence ? ` · ${confidence}` : ''}`),
      decision.routing && decision.routing.candidates.length > 0
        ? h('ol', { class: 'route-candidates' }, ...decision.routing.candidates.map((candidate) => h('li', { text: `${candidate.agentName}: ${candidate.score.toFixed(2)}` })))
        : null,
    );
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (input.value.trim() === '') return input.focus();
    check.disabled = true;
    try {
      show(await context.client.route({ message: input.value.trim() }));
    } catch (error) {
      context.showError(error, result);
    } finally {
      check.disabled = false;
    }
  });
  return h('div', { class: 'panel' }, form);
}
