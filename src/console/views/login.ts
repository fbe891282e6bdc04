import { h, replace } from '../dom.ts';

export interface LoginOptions {
  /** A sentence shown above the form (signed out, session expired). */
  notice?: string;
  errorText(error: unknown): string;
  submit(email: string, password: string): Promise<void>;
}

/** The sign-in form. It never submits natively: the script sends the credentials to the API. */
export function renderLogin(root: HTMLElement, options: LoginOptions): void {
  const email = h('input', { attrs: { id: 'login-email', name: 'email', type: 'email', autocomplete: 'username', required: true } });
  const password = h('input', { attrs: { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true } });
  const feedback = h('div', { class: 'form-feedback' });
  const submit = h('button', { class: 'button-primary', text: 'Sign in', attrs: { type: 'submit' } });
  if (options.notice) replace(feedback, h('p', { class: 'notice', attrs: { role: 'status' } }, options.notice));

  const form = h(
    'form',
    { class: 'login-form', attrs: { method: 'post', 'aria-labelledby': 'login-title', novalidate: false } },
    h('h1', { text: 'Sign in to fleetchat', attrs: { id: 'login-title' } }),
    h('p', { class: 'muted', text: 'Chat with your workspace\'s agents, review sessions and see how each agent is doing.' }),
    feedback,
    h('div', { class: 'field' }, h('label', { text: 'Email', attrs: { for: 'login-email' } }), email),
    h('div', { class: 'field' }, h('label', { text: 'Password', attrs: { for: 'login-password' } }), password),
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      await options.submit(email.value.trim(), password.value);
    } catch (error) {
      replace(feedback, h('p', { class: 'alert', attrs: { role: 'alert' } }, options.errorText(error)));
      password.value = '';
      password.focus();
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });

  root.prepend(h('main', { class: 'login-page', attrs: { id: 'main' } }, h('div', { class: 'login-card' }, h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark', attrs: { 'aria-hidden': 'true' } }, '◆'), 'fleetchat'), form)));
  email.focus();
}
