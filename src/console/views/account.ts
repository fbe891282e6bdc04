/**
 * The signed-in user's account: who they are, and a form to change their password. A change ends
 * every other sign-in of the user (the server refuses tokens issued before it); this tab keeps
 * working with the token the answer carries.
 */
import { MIN_PASSWORD_LENGTH, isLongEnough } from '../../auth/password-rules.ts';
import type { ConsoleContext } from '../context.ts';
import { formFeedback, h } from '../dom.ts';


export function renderAccount(context: ConsoleContext, main: HTMLElement): void {
  const { user } = context;
  const field = (id: string, label: string, autocomplete: string, hint?: string) => {
    const input = h('input', { attrs: { id, name: id, type: 'password', autocomplete, required: true, ...(hint ? { minlength: MIN_PASSWORD_LENGTH, 'aria-describedby': `${id}-hint` } : {}) } });
    const wrapper = h('div', { class: 'field' }, h('label', { text: label, attrs: { for: id } }), input, hint ? h('p', { class: 'field-hint', text: hint, attrs: { id: `${id}-hint` } }) : null);
    return { input, wrapper };
  };
  const current = field('current-password', 'Current password', 'current-password');
  const next = field('new-password', 'New password', 'new-password', `At least ${MIN_PASSWORD_LENGTH} characters.`);
  const again = field('repeat-password', 'New password, again', 'new-password');
  const { element: feedback, say } = formFeedback();
  const submit = h('button', { class: 'button-primary', text: 'Change password', attrs: { type: 'submit' } });

  const form = h(
    'form',
    { class: 'account-form', attrs: { method: 'post', 'aria-labelledby': 'password-title' } },
    h('h2', { text: 'Change your password', attrs: { id: 'password-title' } }),
    h('p', { class: 'muted', text: 'Your other sign-ins (other tabs, scripts using a token) end when you change it.' }),
    feedback,
    current.wrapper,
    next.wrapper,
    again.wrapper,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!isLongEnough(next.input.value)) return say('alert', `The new password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (next.input.value !== again.input.value) return say('alert', 'The two new passwords differ; type the same one twice.');
    submit.disabled = true;
    submit.textContent = 'Changing…';
    try {
      await context.client.changePassword(current.input.value, next.input.value);
      context.keepToken();
      form.reset();
      say('notice', 'Your password has been changed. Your other sign-ins have ended.');
      context.announce('Password changed');
    } catch (error) {
      context.showError(error, feedback);
      current.input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Change password';
    }
  });

  main.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { text: 'Account' })),
      h(
        'div',
        { class: 'panel' },
        h('dl', { class: 'account-facts' }, h('dt', { text: 'Email' }), h('dd', { text: user.email }), h('dt', { text: 'Role' }), h('dd', { text: user.role })),
        form,
      ),
    ),
  );
}
