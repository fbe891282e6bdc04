/**
 * The web console end to end: the real server in process (fake OpenAI upstream), Debian's
 * Chromium driven by playwright-core. Screenshots of the main views go to
 * test-results/screenshots/ (not committed). Skipped, with a warning, where /usr/bin/chromium
 * is not installed (CI installs it with apt-get).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetchatClient } from '../../src/client/index.ts';
import { newId } from '../../src/ids.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve('test-results/screenshots');
const available = fs.existsSync(CHROMIUM);
if (!available) console.warn(`test/console: ${CHROMIUM} is not installed, so the web console suite is skipped (apt-get install -y chromium).`);

// A believable answer, streamed a word at a time, so that the screenshots read like real use.
const PRICING_ANSWER =
  'Three pricing moves stood out last week:\n\n1. Acme cut its Pro plan by 15% and added annual billing.\n2. Globex bundled analytics into every tier, which undercuts our add-on.\n3. Initech announced usage-based pricing for API calls, starting next quarter.\n\nThe Globex bundle is the one to watch: it targets our mid-market accounts directly.';
const PRICING_CHUNKS = PRICING_ANSWER.split(/(?<= )/);
const LONG_ANSWER = `Here is a full rundown, competitor by competitor. ${'Acme keeps expanding into mid-market accounts with discounts and a new partner program. '.repeat(25)}`;

describe.skipIf(!available)('web console in headless Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let api: FleetchatClient;
  const pageErrors: string[] = [];

  async function openPage(width: number, height: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, reducedMotion: 'reduce' });
    const opened = await context.newPage();
    // Fail within the test's own timeout, with the locator in the message.
    opened.setDefaultTimeout(8000);
    opened.on('pageerror', (error) => pageErrors.push(error.message));
    opened.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    return opened;
  }

  async function signIn(target: Page, email: string, password: string): Promise<void> {
    await target.goto(`${t.baseUrl}/`);
    // Keyboard only: the email field has focus, Tab moves to the password, Enter submits.
    await target.getByLabel('Email').waitFor();
    await target.keyboard.type(email);
    await target.keyboard.press('Tab');
    await target.keyboard.type(password);
    await target.keyboard.press('Enter');
    await target.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  const shot = (target: Page, name: string) => target.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
  const navTo = (target: Page, label: string) => target.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  const lastAnswer = (target: Page) => target.locator('.message-answer').last();

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    t = await startTestServer({ env: { PROVIDER_TIMEOUT_MS: '20000' } });
    api = new FleetchatClient({ baseUrl: t.baseUrl, token: t.adminToken });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    page = await openPage(1280, 860);
  });
  afterAll(async () => {
    // Chromium first: the server's close waits for the page's open connections. Each is timed, and
    // reported when slow: an unfinished response once held the server's close for 70 s.
    const timed = async (name: string, work: () => Promise<unknown> | undefined) => {
      const started = performance.now();
      await work();
      const seconds = (performance.now() - started) / 1000;
      if (seconds > 5) console.warn(`console suite: closing ${name} took ${seconds.toFixed(1)} s`);
    };
    await timed('Chromium', () => browser?.close());
    api?.close();
    await timed('the server', () => t?.close());
  }, 90_000);

  it('serves the page and its hashed assets without a token, with a strict CSP and caching', async () => {
    const index = await fetch(`${t.baseUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    const script = /src="(\/assets\/main-[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${t.baseUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Read to the end: an unread body keeps the server's response unfinished, and its close then
    // waits for the connection's keep-alive timeout (about 70 s) unless the body is collected first.
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect((await fetch(`${t.baseUrl}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/assets/missing.js`)).status).toBe(404);
    // The API behind it still wants a token.
    expect((await fetch(`${t.baseUrl}/api/agents`)).status).toBe(401);
  });

  it('signs in with the keyboard; a wrong password shows an alert', async () => {
    await page.goto(`${t.baseUrl}/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/email or password/i);
    await shot(page, '01-login');

    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(await page.getByRole('link', { name: 'Stats' }).count()).toBe(1);
    expect(await page.evaluate(() => sessionStorage.getItem('fleetchat.token'))).toBeTruthy();
  });

  it('lists the agents with role, status and today\'s tokens', async () => {
    await api.sendMessage({ message: 'warm up', agentId: t.agents.Nova });
    await navTo(page, 'Agents');
    const nova = page.locator('tbody tr', { hasText: 'Nova' });
    await nova.waitFor();
    expect(await nova.textContent()).toContain('Research Analyst');
    expect(await nova.locator('.status').textContent()).toBe('online');
    expect(await nova.locator('[data-label="Tokens today"]').textContent()).not.toMatch(/^0 /);
    await shot(page, '02-agents');
  });

  it('streams an answer as it is generated, showing the agent and routedBy', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: PRICING_CHUNKS, chunkDelayMs: 70 });
    await navTo(page, 'Chat');
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('Summarize competitor pricing moves');
    await input.press('Enter');
    const answer = lastAnswer(page);
    // Part of the text is on screen while the answer is still running.
    await expect.poll(() => answer.locator('.message-body').textContent(), { timeout: 10_000 }).toMatch(/^Three pricing moves/);
    const partial = (await answer.locator('.message-body').textContent()) ?? '';
    expect(PRICING_ANSWER.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(PRICING_ANSWER.length);
    expect(await answer.getAttribute('aria-busy')).toBe('true');
    expect(await page.getByRole('button', { name: 'Stop' }).isEnabled()).toBe(true);
    await shot(page, '03-chat-streaming');

    await expect.poll(() => answer.getAttribute('aria-busy'), { timeout: 15_000 }).toBeNull();
    expect(await answer.locator('.message-body').textContent()).toBe(PRICING_ANSWER);
    expect(await answer.locator('.message-author').textContent()).toBe('Nova');
    expect(await answer.locator('.chip').textContent()).toBe('routedBy: relevance');
    expect(page.url()).toMatch(/#\/chat\/[0-9a-f-]{36}$/);
    await shot(page, '04-chat-done');
  });

  it('Escape stops a long answer, which is then marked incomplete', async () => {
    t.upstream.queueBehaviors({ kind: 'stream', chunks: LONG_ANSWER.split(/(?<= )/), chunkDelayMs: 80 });
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('Tell me everything about our rivals');
    await input.press('Enter');
    const answer = lastAnswer(page);
    await expect.poll(() => answer.locator('.message-body').textContent(), { timeout: 10_000 }).toMatch(/rundown, competitor/);
    await page.keyboard.press('Escape');
    await expect.poll(() => answer.locator('.badge-incomplete').count(), { timeout: 10_000 }).toBe(1);
    expect(await answer.locator('.badge-incomplete').textContent()).toContain('stopped before the end');
    const shown = (await answer.locator('.message-body').textContent()) ?? '';
    expect(shown.length).toBeLessThan(LONG_ANSWER.length);
    const messageId = (await answer.getAttribute('data-message-id')) as string;
    const stored = await api.history({ limit: 10 });
    expect(stored.data.find((item) => item.id === messageId)).toMatchObject({ status: 'incomplete', content: shown });
    await shot(page, '05-chat-stopped');
  });

  it('rates an answer from 1 to 5 with a comment', async () => {
    // The form opens in view, even under the last answer at the bottom of the log.
    const last = page.locator('.message-answer').last();
    await last.getByRole('button', { name: 'Rate this answer' }).click();
    const saveInView = await last.getByRole('button', { name: 'Save rating' }).evaluate((element) => {
      const box = element.getBoundingClientRect();
      const log = (element.closest('.chat-log') as HTMLElement).getBoundingClientRect();
      return box.top >= log.top && box.bottom <= log.bottom;
    });
    expect(saveInView).toBe(true);
    await last.getByRole('button', { name: 'Cancel' }).click();
    const answer = page.locator('.message-answer').first();
    await answer.getByRole('button', { name: 'Rate this answer' }).click();
    await answer.getByRole('radio', { name: '4' }).check();
    await answer.getByLabel('Comment (optional)').fill('Clear and short');
    await answer.getByRole('button', { name: 'Save rating' }).click();
    await expect.poll(() => answer.locator('.rating-summary').textContent()).toContain('Rated 4 of 5');
    const messageId = (await answer.getAttribute('data-message-id')) as string;
    const stored = await api.history({ limit: 10 });
    expect(stored.data.find((item) => item.id === messageId)?.feedback).toEqual({ rating: 4, comment: 'Clear and short' });
    await shot(page, '06-chat-rated');
  });

  it('reopens the session from the session list, with the rating and the incomplete mark', async () => {
    const sessionUrl = page.url();
    await navTo(page, 'Sessions');
    const link = page.getByRole('link', { name: 'Summarize competitor pricing moves' });
    await link.waitFor();
    await shot(page, '07-sessions');
    await link.click();
    await expect.poll(() => page.locator('.message').count()).toBe(4);
    expect(page.url()).toBe(sessionUrl);
    expect(await page.locator('.message-answer').first().locator('.rating-summary').textContent()).toContain('Rated 4 of 5');
    expect(await page.locator('.message-answer').last().locator('.badge-incomplete').count()).toBe(1);
    expect(await page.locator('#agent-select').isDisabled()).toBe(true);
  });

  it('pages a long session: "Load earlier messages" brings the older turns', async () => {
    const first = await api.sendMessage({ message: 'turn 1', agentId: t.agents.Ledger });
    for (let turn = 2; turn <= 20; turn++) await api.sendMessage({ message: `turn ${turn}`, sessionId: first.sessionId });
    const historyUrls: URL[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/chat/history')) historyUrls.push(new URL(request.url()));
    });
    await page.goto(`${t.baseUrl}/#/chat/${first.sessionId}`);
    await expect.poll(() => page.locator('.message').count()).toBe(30);
    await page.getByRole('button', { name: 'Load earlier messages' }).click();
    await expect.poll(() => page.locator('.message').count()).toBe(40);
    // The older page continues from the oldest message shown (keyset), not from an offset.
    const earlierPage = historyUrls.at(-1)!.searchParams;
    expect(earlierPage.get('before')).toMatch(/\S/);
    expect(earlierPage.has('offset')).toBe(false);
    expect(await page.locator('.message-user .message-body').first().textContent()).toBe('turn 1');
    expect(await page.getByRole('button', { name: 'Load earlier messages' }).count()).toBe(0);
  });

  it('lists sessions 20 at a time: "Show older sessions" continues from the last one shown', async () => {
    for (let index = 1; index <= 22; index++) await api.sendMessage({ message: `listing ${index}`, agentId: t.agents.Nova });
    const { total } = (await api.sessions({ limit: 1 })).pagination;
    expect(total).toBeGreaterThan(22);
    const sessionUrls: URL[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes('/api/chat/sessions')) sessionUrls.push(new URL(request.url()));
    };
    page.on('request', onRequest);
    try {
      await page.goto(`${t.baseUrl}/#/sessions`);
      const rows = page.locator('table tbody tr');
      await expect.poll(() => rows.count()).toBe(20);
      expect(await page.locator('.pager').textContent()).toContain(`20 of ${total}`);
      // Newest first: the last session opened leads.
      expect(await rows.first().locator('a').textContent()).toBe('listing 22');
      await page.locator('.pager').scrollIntoViewIfNeeded();
      await shot(page, '07b-sessions-more');
      const more = page.getByRole('button', { name: 'Show older sessions' });
      while ((await more.count()) > 0) {
        const before = await rows.count();
        await more.click();
        await expect.poll(() => rows.count()).toBeGreaterThan(before);
      }
      expect(await rows.count()).toBe(total);
      // The button is gone with the last page; the keyboard lands on the rows it brought.
      expect(await page.evaluate(() => document.activeElement?.tagName === 'A' && document.activeElement.closest('tbody') !== null)).toBe(true);
      expect(await page.locator('.pager').textContent()).toContain(`${total} of ${total}`);
      // Every session once, and each later page placed by the cursor, not by an offset.
      const titles = await rows.locator('a').allTextContents();
      expect(new Set(titles.filter((title) => title.startsWith('listing '))).size).toBe(22);
      expect(titles.filter((title) => title.startsWith('listing ')).length).toBe(22);
      const later = sessionUrls.slice(1);
      expect(later.length).toBeGreaterThan(0);
      for (const url of later) {
        expect(url.searchParams.get('cursor')).toMatch(/\S/);
        expect(url.searchParams.has('offset')).toBe(false);
      }
    } finally {
      page.off('request', onRequest);
    }
  });

  it('admins see every session of the workspace; another user\'s opens read-only', async () => {
    const member = await t.member();
    const memberClient = new FleetchatClient({ baseUrl: t.baseUrl, token: member.token });
    await memberClient.sendMessage({ message: 'A member asks about invoices', agentId: t.agents.Ledger });
    await page.goto(`${t.baseUrl}/#/sessions`);
    await page.getByRole('link', { name: 'Whole workspace' }).click();
    const link = page.getByRole('link', { name: 'A member asks about invoices' });
    await link.waitFor();
    // The owner is named by email.
    expect(await page.getByRole('row', { name: /A member asks about invoices/ }).locator('td[data-label="Owner"]').textContent()).toBe(member.email);
    await link.click();
    await page.locator('.read-only').waitFor();
    expect(await page.getByLabel('Message', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Rate this answer' }).count()).toBe(0);

    // A member has no Stats link and sees only its own sessions.
    const memberPage = await openPage(1280, 860);
    await signIn(memberPage, member.email, 'member-password-123');
    expect(await memberPage.getByRole('link', { name: 'Stats' }).count()).toBe(0);
    await navTo(memberPage, 'Sessions');
    await memberPage.getByRole('link', { name: 'A member asks about invoices' }).waitFor();
    expect(await memberPage.getByRole('link', { name: 'Whole workspace' }).count()).toBe(0);
    // One session, one page: nothing older to show, so no button offering it.
    expect(await memberPage.locator('.pager').textContent()).toContain('1 of 1 sessions');
    expect(await memberPage.getByRole('button', { name: 'Show older sessions' }).count()).toBe(0);
    await memberPage.context().close();
  });

  it('changes the password from the account page: this tab goes on, other sign-ins end', async () => {
    const member = await t.member();
    const here = await openPage(1280, 860);
    const elsewhere = await openPage(1280, 860);
    await signIn(here, member.email, 'member-password-123');
    await signIn(elsewhere, member.email, 'member-password-123');

    await here.getByRole('link', { name: member.email }).click();
    await here.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    const fill = async (current: string, next: string, again: string) => {
      await here.getByLabel('Current password').fill(current);
      await here.getByLabel('New password', { exact: true }).fill(next);
      await here.getByLabel('New password, again').fill(again);
      await here.getByRole('button', { name: 'Change password' }).click();
    };
    await fill('member-password-123', 'a-brand-new-password', 'a-brand-new-pasword');
    await expect.poll(() => here.getByRole('alert').textContent()).toContain('differ');
    await fill('not-my-password', 'a-brand-new-password', 'a-brand-new-password');
    await expect.poll(() => here.getByRole('alert').textContent()).toBe('The current password is wrong.');
    await fill('member-password-123', 'a-brand-new-password', 'a-brand-new-password');
    await expect.poll(() => here.locator('.form-feedback .notice').textContent()).toContain('Your password has been changed');
    await shot(here, '11-account');

    // This tab keeps working, after a reload too (its new token is kept for the tab).
    await here.reload();
    await navTo(here, 'Agents');
    await here.getByRole('table').waitFor();
    // The other sign-in ends at its next request, with a sentence saying so.
    await navTo(elsewhere, 'Agents');
    await expect.poll(() => elsewhere.getByRole('status').first().textContent()).toContain('Your session has ended');
    await signIn(elsewhere, member.email, 'a-brand-new-password');
    await here.context().close();
    await elsewhere.context().close();
  });

  it('admins manage users: add one, change its role, set its password, delete it', async () => {
    await navTo(page, 'Users');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    // The admin's own row has no actions.
    const ownRow = page.getByRole('row', { name: new RegExp(ADMIN_EMAIL.replace('.', '\\.')) });
    expect(await ownRow.getByRole('button').count()).toBe(0);

    const email = `console-user-${Date.now()}@example.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('at least 12 characters');
    await page.getByLabel('Password', { exact: true }).fill('first-password-1');
    await page.getByRole('button', { name: 'Add user' }).click();
    const row = page.getByRole('row', { name: new RegExp(email.replace(/\./g, '\\.')) });
    await row.waitFor();
    const user = (await api.users({ limit: 100 })).data.find((listed) => listed.email === email);
    expect(user?.role).toBe('member');
    const signedIn = new FleetchatClient({ baseUrl: t.baseUrl });
    await signedIn.login(email, 'first-password-1');

    await row.getByLabel(`Role of ${email}`).selectOption('admin');
    await expect.poll(async () => (await signedIn.me()).role).toBe('admin');
    await shot(page, '12-users');

    await row.getByRole('button', { name: 'Set password' }).click();
    await row.getByLabel(`New password for ${email}`).fill('set-by-the-admin-3');
    await row.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.form-feedback .notice').textContent()).toContain(`The password of ${email} was set`);
    await expect(signedIn.me()).rejects.toMatchObject({ status: 401 });
    await signedIn.login(email, 'set-by-the-admin-3');

    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: `Delete ${email}` }).click();
    await expect.poll(() => page.locator('.form-feedback .notice').textContent()).toContain(`${email} was deleted`);
    await expect.poll(() => page.getByRole('row', { name: new RegExp(email.replace(/\./g, '\\.')) }).count()).toBe(0);
    await expect(signedIn.me()).rejects.toMatchObject({ status: 401 });
    signedIn.close();
  });

  it('the users page lists 100 users, then "Show more users" brings the rest', async () => {
    const { store } = t.server.services;
    const workspaceId = (await api.me()).workspaceId;
    for (let index = 0; index < 105; index += 1) {
      // Straight into the store: a hundred scrypt hashes would take seconds, and no one logs in.
      await store.createUser({ id: newId(), workspaceId, email: `many-${String(index).padStart(3, '0')}@example.test`, passwordHash: 'not-a-login', role: 'member', now: new Date() });
    }
    const total = (await api.users({ limit: 1 })).pagination.total;
    // Load the page anew (the previous test may have left it on #/users, where goto does nothing).
    await page.goto(`${t.baseUrl}/#/users`);
    await page.reload();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await expect.poll(() => page.locator('.pager p').textContent()).toBe(`100 of ${total} users`);
    expect(await page.locator('tbody tr').count()).toBe(100);
    await page.getByRole('button', { name: 'Show more users' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(total);
    expect(await page.locator('.pager p').textContent()).toBe(`${total} of ${total} users`);
    expect(await page.getByRole('button', { name: 'Show more users' }).count()).toBe(0);
  });

  it('admins edit an agent\'s routing examples and see routing follow; create and archive an agent', async () => {
    await page.goto(`${t.baseUrl}/#/agents`);
    await page.getByRole('heading', { name: 'Try routing' }).waitFor();
    const routeIt = async (message: string) => {
      await page.getByLabel('Message', { exact: true }).fill(message);
      await page.getByRole('button', { name: 'Route it' }).click();
    };
    const probe = 'please reconcile the zorblax ledger for the fleem account';
    await routeIt(probe);
    await expect.poll(() => page.locator('.route-decision').textContent()).toMatch(/·/);
    const before = await page.locator('.route-decision').textContent();

    await page.getByRole('link', { name: 'Edit Nova' }).click();
    await page.getByRole('heading', { name: 'Nova', level: 1 }).waitFor();
    const examples = page.getByLabel('Routing examples');
    await examples.fill(`${await examples.inputValue()}\nreconcile the zorblax ledger\nthe fleem account needs reconciling`);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('.form-feedback .notice').textContent()).toContain('Nova was saved');
    expect((await api.agent(t.agents.Nova)).config.routing.examples).toEqual(expect.arrayContaining(['reconcile the zorblax ledger', 'the fleem account needs reconciling']));
    await routeIt(probe);
    await expect.poll(() => page.locator('.route-decision strong').textContent()).toBe('Nova');
    expect(before).not.toMatch(/^Nova ·/);
    // A bad budget is refused in the page, before any request.
    await page.getByLabel('Daily token budget').fill('2.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('whole number');
    await shot(page, '13-agent-editor');

    await page.goto(`${t.baseUrl}/#/agents`);
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.getByLabel('Name').fill('Scribe');
    await page.getByLabel('Model', { exact: true }).fill('upstream/gpt-test');
    await page.getByLabel('Description').fill('Takes meeting notes and writes summaries.');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('heading', { name: 'Scribe', level: 1 }).waitFor();
    const scribe = (await api.agents({ limit: 100 })).data.find((agent) => agent.name === 'Scribe');
    expect(scribe).toMatchObject({ status: 'online', description: 'Takes meeting notes and writes summaries.', source: 'api' });
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByRole('button', { name: 'Archive Scribe' }).click();
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    expect((await api.agent(scribe!.id)).status).toBe('archived');
    // An archived agent opens read-only: the API refuses to change it.
    await page.goto(`${t.baseUrl}/#/agents/${scribe!.id}`);
    await page.getByRole('heading', { name: 'Scribe', level: 1 }).waitFor();
    expect(await page.locator('.agent-form .notice').first().textContent()).toContain('This agent is archived');
    expect(await page.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    expect(await page.getByLabel('Name').isDisabled()).toBe(true);
  });

  it('the stats view shows cards and a ratings chart', async () => {
    const answer = await api.sendMessage({ message: 'rate me high', agentId: t.agents.Nova });
    await api.feedback({ messageId: answer.messageId, rating: 5 });
    await page.goto(`${t.baseUrl}/#/stats/${t.agents.Nova}`);
    await page.locator('svg.chart').waitFor();
    expect(await page.locator('svg.chart .chart-bar').count()).toBe(5);
    const cards = await page.locator('.card dt').allTextContents();
    expect(cards).toEqual(['Average rating', 'Messages', 'Tokens today', 'Tokens this month', 'Latency p50', 'Latency p95']);
    expect(await page.locator('.card', { hasText: 'Average rating' }).locator('.card-value').textContent()).toMatch(/\/ 5$/);
    expect(await page.locator('svg.chart desc').textContent()).toContain('5 ★');
    await shot(page, '08-stats');
    // Switching agent with the select updates the address.
    await page.getByLabel('Agent').selectOption({ label: 'Aria' });
    await expect.poll(() => page.url()).toContain(t.agents.Aria);
  });

  it('is readable at phone width (375 px): no sideways scrolling, chat usable', async () => {
    const phone = await openPage(375, 740);
    await signIn(phone, ADMIN_EMAIL, ADMIN_PASSWORD);
    // The account page is reached from "Account" in the header (the email does not fit there).
    await phone.getByRole('link', { name: 'Account', exact: true }).click();
    await phone.getByRole('heading', { name: 'Change your password' }).waitFor();
    for (const view of ['account', 'users', 'agents', 'sessions', `stats/${t.agents.Nova}`, 'chat']) {
      await phone.goto(`${t.baseUrl}/#/${view}`);
      await phone.locator('main h1').waitFor();
      await phone.waitForLoadState('networkidle');
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal overflow on #/${view}`).toBeLessThanOrEqual(0);
      if (view === 'agents') await shot(phone, '09-phone-agents');
    }
    // A long agent label (name · role) shrinks the selector instead of pushing it off the screen.
    const selectorRight = await phone.evaluate(() => {
      const select = document.querySelector<HTMLSelectElement>('#agent-select');
      select?.append(new Option('Sentinel · IT Support and Operations Engineer', 'long-label', true, true));
      return select?.getBoundingClientRect().right ?? Infinity;
    });
    expect(selectorRight).toBeLessThanOrEqual(375);
    await phone.evaluate(() => document.querySelector('#agent-select option[value="long-label"]')?.remove());
    const input = phone.getByLabel('Message', { exact: true });
    await input.fill('hello there');
    await input.press('Enter');
    await expect.poll(() => lastAnswer(phone).getAttribute('aria-busy'), { timeout: 10_000 }).toBeNull();
    const box = await phone.getByRole('button', { name: 'Send' }).boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(375);
    await shot(phone, '10-phone-chat');
    await phone.context().close();
  });

  it('works from the keyboard: skip link first, visible focus, nav reachable by Tab', async () => {
    await page.goto(`${t.baseUrl}/#/agents`);
    await page.locator('main h1').waitFor();
    // Start from the top of the document, as after a fresh page load.
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute('tabindex');
    });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const tabbed: string[] = [];
    for (let step = 0; step < 6; step++) {
      await page.keyboard.press('Tab');
      tabbed.push(await page.evaluate(() => document.activeElement?.textContent ?? ''));
    }
    expect(tabbed.slice(0, 5)).toEqual(['◆fleetchat', 'Chat', 'Sessions', 'Agents', 'Stats']);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).not.toBe('none');
    // Enter on a focused nav link navigates.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/sessions$/);
  });

  it('raised no script errors in the page', () => {
    // Chromium logs the refusals the tests provoke as failed resources: the wrong login's 401, the
    // ended sign-in's 401 and the wrong current password's 403. Nothing else may be logged.
    expect(pageErrors.filter((text) => !/status of (401|403)\b/.test(text))).toEqual([]);
  });
});
