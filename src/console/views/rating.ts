/**
 * Rating an answer 1–5 with an optional comment. The form is a real fieldset of radio buttons,
 * so arrow keys move between ratings and screen readers announce "3 of 5".
 */
import type { FeedbackSummary } from '../../client/index.ts';
import type { ConsoleContext } from '../context.ts';
import { button, h, replace } from '../dom.ts';

let formCounter = 0;

export function ratingControl(context: ConsoleContext, messageId: string, initial: FeedbackSummary | null): HTMLElement {
  const container = h('div', { class: 'rating' });
  let current = initial;

  const showSummary = (focusButton: boolean) => {
    const label = current ? 'Change rating' : 'Rate this answer';
    const open = button(label, () => showForm(), { class: 'button-quiet button-small' });
    replace(
      container,
      current
        ? h(
            'p',
            { class: 'rating-summary' },
            h('span', { class: 'stars', text: '★'.repeat(current.rating) + '☆'.repeat(5 - current.rating), attrs: { 'aria-hidden': 'true' } }),
            h('span', { text: `Rated ${current.rating} of 5` }),
            current.comment ? h('q', { text: current.comment }) : null,
          )
        : null,
      open,
    );
    if (focusButton) open.focus();
  };

  const showForm = () => {
    const id = `rating-${++formCounter}`;
    const options = [1, 2, 3, 4, 5].map((value) =>
      h(
        'label',
        { class: 'rating-option' },
        h('input', { attrs: { type: 'radio', name: id, value, required: true, checked: current?.rating === value } }),
        h('span', { text: String(value) }),
      ),
    );
    const comment = h('textarea', { attrs: { id: `${id}-comment`, maxlength: 2000, rows: 2 } });
    comment.value = current?.comment ?? '';
    const status = h('div');
    const form = h(
      'form',
      { class: 'rating-form' },
      h('fieldset', {}, h('legend', { text: 'Rating (1 = poor, 5 = excellent)' }), h('div', { class: 'rating-options' }, ...options)),
      h('div', { class: 'field' }, h('label', { text: 'Comment (optional)', attrs: { for: `${id}-comment` } }), comment),
      status,
      h(
        'div',
        { class: 'actions' },
        h('button', { class: 'button-primary button-small', text: 'Save rating', attrs: { type: 'submit' } }),
        button('Cancel', () => showSummary(true), { class: 'button-quiet button-small' }),
      ),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const checked = form.querySelector<HTMLInputElement>(`input[name="${id}"]:checked`);
      if (!checked) {
        replace(status, h('p', { class: 'alert', attrs: { role: 'alert' } }, 'Choose a rating from 1 to 5.'));
        options[0].querySelector('input')?.focus();
        return;
      }
      try {
        const text = comment.value.trim();
        const saved = await context.client.feedback({ messageId, rating: Number(checked.value), comment: text === '' ? null : text });
        current = { rating: saved.feedback.rating, comment: saved.feedback.comment };
        context.announce(`Rating saved: ${current.rating} of 5.`);
        showSummary(true);
      } catch (error) {
        context.showError(error, status);
      }
    });
    form.addEventListener('keydown', (event) => {
      // Escape closes the form here instead of reaching the chat (where it stops an answer).
      if (event.key === 'Escape') {
        event.stopPropagation();
        showSummary(true);
      }
    });
    replace(container, form);
    (form.querySelector<HTMLInputElement>('input:checked') ?? options[0].querySelector('input'))?.focus();
    // Focus scrolls only the first radio into view; under the last answer the comment and Save
    // would stay below the fold.
    form.scrollIntoView({ block: 'nearest' });
  };

  showSummary(false);
  return container;
}
