/**
 * The workspace's users (admins): add one, change a role, set a forgotten password, delete.
 * The admin's own row has no actions: its role and password are changed elsewhere (another
 * admin; the Account page), so a workspace cannot lose its last admin from here.
 */
import type { Role, User } from '../../client/index.ts';
import { MIN_PASSWORD_LENGTH, isLongEnough } from '../../auth/password-rules.ts';
import type { ConsoleContext } from '../context.ts';
import { button, formFeedback, h, replace } from '../dom.ts';
import { formatInteger, formatTime } from '../format.ts';

const PAGE_SIZE = 100;

function roleSelect(id: string, value: Role, label: string): HTMLSelectElement {
  const select = h('select', { attrs: { id, 'aria-label': label } }, h('option', { text: 'member', attrs: { value: 'member' } }), h('option', { text: 'admin', attrs: { value: 'admin' } }));
  select.value = value;
  return select;
}

export function renderUsers(context: ConsoleContext, main: HTMLElement): void {
  const list = h('div', { class: 'panel' }, h('p', { class: 'muted', text: 'Loading users…' }));
  const { element: feedback, say } = formFeedback();
  const fail = (error: unknown) => context.showError(error, feedback);

  // --- add a user ---
  const email = h('input', { attrs: { id: 'new-user-email', type: 'email', autocomplete: 'off', required: true } });
  const password = h('input', { attrs: { id: 'new-user-password', type: 'password', autocomplete: 'new-password', required: true, minlength: MIN_PASSWORD_LENGTH, 'aria-describedby': 'new-user-password-hint' } });
  const role = roleSelect('new-user-role', 'member', 'Role');
  const add = h('button', { class: 'button-primary', text: 'Add user', attrs: { type: 'submit' } });
  const form = h(
    'form',
    // The script checks and says what is wrong in the page's own words (and the server checks again).
    { class: 'user-form', attrs: { 'aria-labelledby': 'add-user-title', novalidate: true } },
    h('h2', { text: 'Add a user', attrs: { id: 'add-user-title' } }),
    h('div', { class: 'field' }, h('label', { text: 'Email', attrs: { for: 'new-user-email' } }), email),
    h(
      'div',
      { class: 'field' },
      h('label', { text: 'Password', attrs: { for: 'new-user-password' } }),
      password,
      h('p', { class: 'field-hint', text: `At least ${MIN_PASSWORD_LENGTH} characters; give it to the user, who can change it on the Account page.`, attrs: { id: 'new-user-password-hint' } }),
    ),
    h('div', { class: 'field' }, h('label', { text: 'Role', attrs: { for: 'new-user-role' } }), role),
    add,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!isLongEnough(password.value)) return say('alert', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
    add.disabled = true;
    try {
      const user = await context.client.createUser({ email: email.value.trim(), password: password.value, role: role.value as Role });
      form.reset();
      say('notice', `${user.email} was added as ${user.role}.`);
      context.announce(`${user.email} added`);
      await load();
    } catch (error) {
      fail(error);
    } finally {
      add.disabled = false;
    }
  });

  // --- the list ---
  const actionsOf = (user: User, cell: HTMLElement): HTMLElement[] => {
    const setPassword = button('Set password', () => {
      const input = h('input', { attrs: { type: 'password', autocomplete: 'new-password', minlength: MIN_PASSWORD_LENGTH, 'aria-label': `New password for ${user.email}` } });
      const save = h('button', { class: 'button-primary button-small', text: 'Save', attrs: { type: 'submit' } });
      const inline = h('form', { class: 'inline-form', attrs: { novalidate: true } }, input, save, button('Cancel', () => replace(cell, ...actionsOf(user, cell)), { class: 'button-quiet button-small' }));
      inline.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!isLongEnough(input.value)) return say('alert', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
        save.disabled = true;
        try {
          await context.client.setUserPassword(user.id, input.value);
          replace(cell, ...actionsOf(user, cell));
          say('notice', `The password of ${user.email} was set; their other sign-ins have ended.`);
        } catch (error) {
          save.disabled = false;
          fail(error);
        }
      });
      replace(cell, inline);
      input.focus();
    }, { class: 'button-quiet button-small' });
    const remove = button('Delete', () => {
      const confirm = button(`Delete ${user.email}`, async () => {
        confirm.disabled = true;
        try {
          await context.client.deleteUser(user.id);
          say('notice', `${user.email} was deleted; their sessions stay readable by admins.`);
          context.announce(`${user.email} deleted`);
          await load();
        } catch (error) {
          confirm.disabled = false;
          fail(error);
        }
      }, { class: 'button-danger button-small' });
      replace(cell, confirm, button('Cancel', () => replace(cell, ...actionsOf(user, cell)), { class: 'button-quiet button-small' }));
      confirm.focus();
    }, { class: 'button-quiet button-small' });
    return [setPassword, remove];
  };

  const row = (user: User) => {
    const self = user.id === context.user.id;
    const actions = h('td', { class: 'row-actions', attrs: { 'data-label': 'Actions' } });
    let roleCell: HTMLElement;
    if (self) {
      roleCell = h('td', { attrs: { 'data-label': 'Role' } }, h('span', { class: `badge badge-${user.role}`, text: user.role }));
      actions.append(h('span', { class: 'muted small', text: 'you' }));
    } else {
      const select = roleSelect(`role-${user.id}`, user.role, `Role of ${user.email}`);
      select.addEventListener('change', async () => {
        const wanted = select.value as Role;
        select.disabled = true;
        try {
          await context.client.setUserRole(user.id, wanted);
          user.role = wanted;
          say('notice', `${user.email} is now ${wanted}.`);
        } catch (error) {
          select.value = user.role;
          fail(error);
        } finally {
          select.disabled = false;
        }
      });
      roleCell = h('td', { attrs: { 'data-label': 'Role' } }, select);
      actions.append(...actionsOf(user, actions));
    }
    return h(
      'tr',
      {},
      h('th', { text: user.email, attrs: { scope: 'row', 'data-label': 'Email' } }),
      roleCell,
      h('td', { attrs: { 'data-label': 'Added' } }, user.createdAt ? h('time', { text: formatTime(user.createdAt), attrs: { datetime: user.createdAt } }) : '—'),
      actions,
    );
  };

  async function load(): Promise<void> {
    try {
      const page = await context.client.users({ limit: PAGE_SIZE });
      const tbody = h('tbody', {}, ...page.data.map(row));
      const table = h(
        'table',
        { class: 'table table-stack' },
        h('caption', { class: 'visually-hidden', text: 'Users of the workspace' }),
        h('thead', {}, h('tr', {}, ...['Email', 'Role', 'Added', 'Actions'].map((label) => h('th', { text: label, attrs: { scope: 'col' } })))),
        tbody,
      );
      // Users are listed oldest first, so the next page starts at the count shown.
      let shown = page.data.length;
      const count = h('p', { class: 'muted' });
      const update = (total: number) => (count.textContent = `${formatInteger(shown)} of ${formatInteger(total)} users`);
      update(page.pagination.total);
      const more = page.pagination.hasMore
        ? button('Show more users', async () => {
            more?.setAttribute('disabled', '');
            try {
              const next = await context.client.users({ limit: PAGE_SIZE, offset: shown });
              const rows = next.data.map(row);
              tbody.append(...rows);
              shown += next.data.length;
              update(next.pagination.total);
              if (!next.pagination.hasMore) {
                more?.remove();
                rows[0]?.querySelector<HTMLElement>('select, button')?.focus();
              }
            } catch (error) {
              fail(error);
            } finally {
              more?.removeAttribute('disabled');
            }
          }, { class: 'button-quiet' })
        : undefined;
      replace(list, table, h('div', { class: 'pager' }, count, more ? h('div', { class: 'actions' }, more) : null));
    } catch (error) {
      context.showError(error, list);
    }
  }

  main.append(h('section', { class: 'page' }, h('div', { class: 'page-head' }, h('h1', { text: 'Users' })), feedback, list, h('div', { class: 'panel' }, form)));
  void load();
}
