/**
 * The chat: a new conversation (`#/chat`, optionally `?agent=<id>`) or a reopened session
 * (`#/chat/<sessionId>`), answers streamed over the client's WebSocket. Enter sends, Shift+Enter
 * adds a line, Escape (or the Stop button) cancels the running answer.
 */
import { FleetchatError, type AnswerStream, type HistoryItem } from '../../client/index.ts';
import { agentName, type ConsoleContext, type Route } from '../context.ts';
import { button, h, replace } from '../dom.ts';
import { AnswerItem, userMessageItem } from './message-item.ts';

const PAGE_SIZE = 30;

export function renderChat(context: ConsoleContext, main: HTMLElement, route: Route): () => void {
  let sessionId: string | undefined = route.segments[1];
  const known = sessionId ? context.sessions.get(sessionId) : undefined;
  // An admin may read anyone's session but continue or rate only their own.
  const readOnly = known !== undefined && known.userId !== context.user.id;
  let sessionAgentId = known?.agentId;
  let running: AnswerStream | undefined;
  // Ids on screen, so that "load earlier" never shows a message twice as new ones arrive.
  const shown = new Set<string>();
  // Where the next "load earlier" page starts: the oldest message loaded (keyset paging, so
  // answers sent from this view meanwhile never shift it).
  let earlierCursor: string | undefined;

  const title = h('h1', { text: sessionId ? (known?.title ?? 'Session') : 'New chat' });
  const agentSelect = h('select', { attrs: { id: 'agent-select', name: 'agent' } });
  const agentHint = h('p', { class: 'field-hint', attrs: { id: 'agent-hint' } });
  const messages = h('ol', { class: 'messages', attrs: { 'aria-label': 'Conversation' } });
  const earlier = h('div', { class: 'earlier' });
  const log = h('div', { class: 'chat-log' }, earlier, messages);
  const empty = h('p', { class: 'chat-empty muted', text: 'Ask anything. Leave the agent on “Auto” and fleetchat picks the agent whose role fits your message best.' });

  const textarea = h('textarea', { attrs: { id: 'composer-input', name: 'message', rows: 2, 'aria-describedby': 'composer-hint', placeholder: 'Write a message…' } });
  const send = h('button', { class: 'button-primary', text: 'Send', attrs: { type: 'submit' } });
  const stop = button('Stop', () => running?.cancel(), { class: 'button-danger', attrs: { disabled: true, 'aria-keyshortcuts': 'Escape' } });
  const composer = h(
    'form',
    { class: 'composer', attrs: { 'aria-label': 'Send a message' } },
    h('label', { class: 'visually-hidden', text: 'Message', attrs: { for: 'composer-input' } }),
    textarea,
    h('div', { class: 'composer-actions' }, h('p', { class: 'field-hint', text: 'Enter to send · Shift+Enter for a new line · Escape to stop', attrs: { id: 'composer-hint' } }), stop, send),
  );

  // --- agent selector ---------------------------------------------------------------------------
  const fillAgents = () => {
    const selectable = context.agents.filter((agent) => agent.status !== 'archived');
    replace(
      agentSelect,
      h('option', { text: 'Auto: route each message', attrs: { value: '' } }),
      ...selectable.map((agent) => h('option', { text: `${agent.name} · ${agent.role}${agent.status === 'offline' ? ' (offline)' : ''}`, attrs: { value: agent.id, disabled: agent.status === 'offline' } })),
    );
    const wanted = sessionAgentId ?? route.query.get('agent') ?? '';
    agentSelect.value = selectable.some((agent) => agent.id === wanted) ? wanted : '';
    lockAgent();
  };
  const lockAgent = () => {
    // A session stays with its agent (another agentId would be a 409 SESSION_AGENT_MISMATCH).
    agentSelect.disabled = sessionAgentId !== undefined;
    if (sessionAgentId) {
      if (!Array.from(agentSelect.options).some((option) => option.value === sessionAgentId)) agentSelect.append(h('option', { text: agentName(context, sessionAgentId), attrs: { value: sessionAgentId } }));
      agentSelect.value = sessionAgentId;
      agentHint.textContent = 'A session stays with its agent. Start a new chat to talk to another.';
    } else agentHint.textContent = '“Auto” lets the server choose; each answer says which agent replied and why (routedBy).';
  };

  // --- layout -----------------------------------------------------------------------------------
  const toolbar = h(
    'div',
    { class: 'chat-toolbar' },
    title,
    h('div', { class: 'field field-inline' }, h('label', { text: 'Agent', attrs: { for: 'agent-select' } }), agentSelect),
    button('New chat', () => context.navigate('#/chat'), { class: 'button-quiet' }),
  );
  main.append(h('section', { class: 'chat', attrs: { 'aria-labelledby': 'chat-title' } }, toolbar, agentHint, log, readOnly ? readOnlyNote() : composer));
  title.id = 'chat-title';
  if (!sessionId) messages.before(empty);
  fillAgents();

  // --- history ----------------------------------------------------------------------------------
  const itemFor = (item: HistoryItem): HTMLLIElement =>
    item.role === 'user' ? userMessageItem(item.content, item.createdAt) : AnswerItem.fromHistory(context, item, !readOnly).element;

  const loadEarlier = async () => {
    if (!sessionId) return;
    replace(earlier, h('p', { class: 'muted', text: 'Loading messages…' }));
    try {
      // Newest first, so that a long session opens at its end; each page goes above the last.
      const page = await context.client.history({ sessionId, limit: PAGE_SIZE, order: 'desc', ...(earlierCursor ? { before: earlierCursor } : {}) });
      earlierCursor = page.pagination.nextCursor ?? undefined;
      const fresh = page.data.filter((item) => !shown.has(item.id)).reverse();
      for (const item of fresh) shown.add(item.id);
      const firstBefore = messages.firstElementChild;
      messages.prepend(...fresh.map(itemFor));
      if (!sessionAgentId && page.data[0]) {
        sessionAgentId = page.data[0].agentId;
        lockAgent();
      }
      if (!known && page.pagination.total === 0) title.textContent = 'Session not found';
      replace(earlier, page.pagination.hasMore ? button('Load earlier messages', () => void loadEarlier(), { class: 'button-quiet' }) : null);
      if (!firstBefore) log.scrollTop = log.scrollHeight;
    } catch (error) {
      context.showError(error, earlier);
    }
  };
  if (sessionId) void loadEarlier();

  // --- sending ----------------------------------------------------------------------------------
  const setRunning = (stream: AnswerStream | undefined) => {
    running = stream;
    stop.disabled = !stream;
    send.disabled = Boolean(stream);
    composer.classList.toggle('is-running', Boolean(stream));
  };
  const nearBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const follow = (wasNear: boolean) => {
    if (wasNear) log.scrollTop = log.scrollHeight;
  };

  const sendMessage = async () => {
    const text = textarea.value.trim();
    if (!text || running) return;
    empty.remove();
    textarea.value = '';
    const answer = new AnswerItem(context, true);
    messages.append(userMessageItem(text, new Date().toISOString()), answer.element);
    log.scrollTop = log.scrollHeight;
    const stream = context.client.stream({ message: text, sessionId, agentId: sessionId ? undefined : agentSelect.value || undefined });
    setRunning(stream);
    try {
      for await (const frame of stream) {
        const wasNear = nearBottom();
        if (frame.type === 'start') {
          answer.start(frame);
          shown.add(frame.messageId).add(frame.userMessageId);
          if (!sessionId) {
            sessionId = frame.sessionId;
            // The address now names the session, without re-rendering the view.
            history.replaceState(null, '', `#/chat/${frame.sessionId}`);
            title.textContent = text.length > 60 ? `${text.slice(0, 57)}…` : text;
          }
          sessionAgentId = frame.agentId;
          lockAgent();
          context.announce(`${frame.agentName} is answering.`);
        } else if (frame.type === 'chunk') answer.appendDelta(frame.delta);
        else if (frame.type === 'done') {
          answer.complete(frame);
          context.announce(`${frame.agentName} answered.`);
        } else {
          answer.fail(frame);
          context.announce(frame.code === 'CANCELLED' ? 'Answer stopped.' : `The answer failed: ${frame.error}`);
        }
        follow(wasNear);
      }
    } catch (error) {
      if (error instanceof FleetchatError && error.status === 401) return context.showError(error);
      answer.fail({ error: error instanceof Error ? error.message : String(error), code: error instanceof FleetchatError ? String(error.code) : 'ERROR' });
    } finally {
      setRunning(undefined);
      if (document.activeElement === document.body || document.activeElement === stop) textarea.focus();
    }
  };

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendMessage();
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void sendMessage();
    }
  });
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && running) {
      event.preventDefault();
      running.cancel();
    }
  };
  document.addEventListener('keydown', onKey);
  if (!readOnly) textarea.focus();

  // Leaving the view lets a running answer finish on the server; it shows when the session is reopened.
  return () => document.removeEventListener('keydown', onKey);
}

function readOnlyNote(): HTMLElement {
  return h('p', { class: 'notice read-only', text: 'This is another user’s session: you can read it, but only its owner can continue or rate it.' });
}
