/**
 * One message of the conversation as a list item. An answer is drawn while it streams (header
 * at `start`, text growing with each `chunk`, figures at `done`) and the same way when it comes
 * back from history, so a reopened session looks like the live one.
 */
import type { DoneFrame, ErrorFrame, FeedbackSummary, HistoryItem, StartFrame } from '../../client/index.ts';
import type { ConsoleContext } from '../context.ts';
import { h, replace } from '../dom.ts';
import { describeRoutedBy, formatDuration, formatInteger, formatTime } from '../format.ts';
import { ratingControl } from './rating.ts';

export function userMessageItem(text: string, createdAt?: string): HTMLLIElement {
  return h(
    'li',
    { class: 'message message-user' },
    h('div', { class: 'message-head' }, h('span', { class: 'message-author', text: 'You' }), createdAt ? h('time', { text: formatTime(createdAt), attrs: { datetime: createdAt } }) : null),
    h('div', { class: 'message-body', text }),
  );
}

export class AnswerItem {
  readonly element: HTMLLIElement;
  readonly #context: ConsoleContext;
  readonly #canRate: boolean;
  readonly #head = h('div', { class: 'message-head' });
  readonly #body = h('div', { class: 'message-body' });
  readonly #footer = h('div', { class: 'message-footer' });
  #text = '';

  constructor(context: ConsoleContext, canRate: boolean) {
    this.#context = context;
    this.#canRate = canRate;
    this.element = h('li', { class: 'message message-answer', attrs: { 'aria-busy': 'true' } }, this.#head, this.#body, this.#footer);
    replace(this.#head, h('span', { class: 'message-author', text: 'Choosing an agent…' }));
    this.#body.append(h('span', { class: 'typing', attrs: { 'aria-hidden': 'true' } }, h('span'), h('span'), h('span')));
  }

  /** An answer from history, complete or not. */
  static fromHistory(context: ConsoleContext, item: HistoryItem, canRate: boolean): AnswerItem {
    const answer = new AnswerItem(context, canRate);
    answer.#header(item.agentName, item.routedBy ?? null, item.createdAt);
    answer.#text = item.content;
    answer.#body.textContent = item.content;
    answer.#finish(item.id, item.status === 'incomplete', { model: item.model, durationMs: item.durationMs, inputTokens: item.inputTokens, outputTokens: item.outputTokens }, item.feedback ?? null);
    return answer;
  }

  start(frame: StartFrame): void {
    this.#header(frame.agentName, frame.routedBy, new Date().toISOString());
    this.element.dataset.messageId = frame.messageId;
  }

  appendDelta(delta: string): void {
    if (this.#text === '') this.#body.replaceChildren();
    this.#text += delta;
    // A text node grows in place: no re-parsing, and no markup can come out of model text.
    if (this.#body.lastChild?.nodeType === Node.TEXT_NODE) (this.#body.lastChild as Text).appendData(delta);
    else this.#body.append(delta);
  }

  complete(frame: DoneFrame): void {
    this.#body.textContent = frame.response;
    this.#finish(frame.messageId, false, frame, null);
  }

  /** The answer ended with an error frame: cut after it began (incomplete) or never answered. */
  fail(frame: Pick<ErrorFrame, 'error' | 'code' | 'messageId'>): void {
    if (this.#text === '') this.#body.replaceChildren();
    if (frame.messageId) {
      const reason = frame.code === 'CANCELLED' ? 'Incomplete: stopped before the end.' : `Incomplete: ${frame.error}`;
      this.#finish(frame.messageId, true, undefined, null, reason);
      return;
    }
    if (!this.element.dataset.messageId) replace(this.#head, h('span', { class: 'message-author', text: 'No answer' }));
    this.element.classList.add('message-failed');
    this.element.removeAttribute('aria-busy');
    this.#footer.append(h('p', { class: 'alert', attrs: { role: 'alert' } }, `${frame.error} (${frame.code})`));
  }

  #header(agentName: string, routedBy: string | null, createdAt: string): void {
    replace(
      this.#head,
      h('span', { class: 'message-author', text: agentName }),
      routedBy ? h('span', { class: 'chip', text: `routedBy: ${routedBy}`, attrs: { title: describeRoutedBy(routedBy) } }) : null,
      h('time', { text: formatTime(createdAt), attrs: { datetime: createdAt } }),
    );
  }

  #finish(
    messageId: string,
    incomplete: boolean,
    figures: { model?: string | null; durationMs?: number | null; inputTokens?: number | null; outputTokens?: number | null } | undefined,
    feedback: FeedbackSummary | null,
    reason = 'Incomplete: the answer was cut before the end.',
  ): void {
    this.element.dataset.messageId = messageId;
    this.element.removeAttribute('aria-busy');
    this.element.classList.toggle('message-incomplete', incomplete);
    const parts: string[] = [];
    if (figures?.model) parts.push(figures.model);
    if (figures?.durationMs !== undefined && figures.durationMs !== null) parts.push(formatDuration(figures.durationMs));
    if (figures?.inputTokens !== undefined && figures.inputTokens !== null) parts.push(`${formatInteger(figures.inputTokens)} in / ${formatInteger(figures.outputTokens)} out tokens`);
    replace(
      this.#footer,
      incomplete ? h('p', { class: 'badge badge-incomplete', text: reason }) : null,
      parts.length ? h('p', { class: 'message-meta', text: parts.join(' · ') }) : null,
      this.#canRate ? ratingControl(this.#context, messageId, feedback) : null,
    );
  }
}
