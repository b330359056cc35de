/**
 * The moderation page in a real browser (Debian's chromium through playwright-core): sign in, approve a pending
 * comment, see it leave the queue and appear in the public thread. Skips loudly without chromium; REQUIRE_BROWSER=1
 * (as in .ci/run) turns the skip into a failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import http, { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { buildWeb } from '../support/web-build.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-moderator-token-0123456789';
const hasChromium = fs.existsSync(CHROMIUM);

if (!hasChromium) {
  const why = `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (process.env.REQUIRE_BROWSER === '1') {
    it('runs the moderation page browser test', () => {
      throw new Error(`REQUIRE_BROWSER=1 but ${why}`);
    });
  } else {
    console.warn(`\n!! Skipping the moderation page browser test: ${why}.\n`);
    describe.skip('moderation page (browser)', () => it('skipped', () => undefined));
  }
} else {
  describe('moderation page (browser)', () => {
    let app: TestApp;
    let server: Server;
    let base: string;
    let browser: Browser;
    let page: Page;
    const cspViolations: string[] = [];

    beforeAll(async () => {
      // The page loads /admin.js from dist/public: build the bundles as `npm run build:web` would.
      buildWeb();
      app = await createTestApp({ ADMIN_TOKEN: `editor:${TOKEN}`, MODERATION: 'all' });
      server = createServer(app.http).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      page = await browser.newPage();
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((r) => server?.close(r));
      await app?.close();
    });

    const publicIds = async () =>
      ((await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body.comments as { id: string }[]).map((c) => c.id);

    it('signs in, approves a pending comment, and the comment leaves the queue for the public thread', async () => {
      const first = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'Please *approve* me' }));
      const second = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'Approve me by keyboard', email: 'kb@example.org' }));
      expect(first.body.status).toBe('pending');
      expect(await publicIds()).toEqual([]);

      await page.goto(`${base}/admin`);
      await page.fill('#token', 'not-the-right-token-not-the-right-token');
      await page.click('button[type=submit]');
      await page.getByText('That token was not accepted.').waitFor();

      await page.fill('#token', TOKEN);
      await page.click('button[type=submit]');
      const firstCard = page.locator(`article[data-id="${first.body.comment.id}"]`);
      await firstCard.waitFor();
      await expect(firstCard.locator('.text em').textContent()).resolves.toBe('approve');
      await expect(firstCard.locator('.email').textContent()).resolves.toBe('ada@example.org');
      await expect(page.locator('[data-status=pending]').textContent()).resolves.toBe('Pending (2)');

      await firstCard.locator('button[data-action=approve]').click();
      await firstCard.waitFor({ state: 'detached' });
      await expect(page.locator('[data-status=pending]').textContent()).resolves.toBe('Pending (1)');
      expect(await publicIds()).toEqual([first.body.comment.id]);

      // Keyboard: the focused (first) card is the remaining one; "a" approves it.
      await page.locator(`article[data-id="${second.body.comment.id}"]`).waitFor();
      await page.keyboard.press('a');
      await page.getByText('No pending comments.').waitFor();
      expect((await publicIds()).sort()).toEqual([first.body.comment.id, second.body.comment.id].sort());

      await page.click('[data-status=approved]');
      await page.locator(`article[data-id="${second.body.comment.id}"]`).waitFor();
      const audit = await request(app.http).get('/api/v1/admin/audit').set('Authorization', `Bearer ${TOKEN}`);
      expect(audit.body.entries.map((e: { actor: string; action: string }) => `${e.actor}:${e.action}`)).toEqual(['editor:approve', 'editor:approve']);
      expect(cspViolations).toEqual([]);
    }, 60_000);

    it('shows an edited comment held again with the text before the edit beside the new one', async () => {
      const posted = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'The *original* words', email: 'ed@example.org' }));
      await request(app.http).post(`/api/v1/admin/comments/${posted.body.comment.id}/approve`).set('Authorization', `Bearer ${TOKEN}`).expect(200);
      const edited = await request(app.http)
        .patch(`/api/v1/comments/${posted.body.comment.id}`)
        .set('Authorization', `Bearer ${posted.body.editToken}`)
        .send({ body: 'The rewritten words' });
      expect(edited.body.status).toBe('pending');
      await page.goto(`${base}/admin`);
      const card = page.locator(`article[data-id="${posted.body.comment.id}"]`);
      await card.waitFor();
      await expect(card.locator('.text.before em').textContent()).resolves.toBe('original');
      await expect(card.locator('.text:not(.before)').innerText()).resolves.toBe('The rewritten words');
      await expect(card.locator('.edit .meta').first().textContent()).resolves.toBe('Before the edit:');
    }, 60_000);

    const signIn = async () => {
      await page.goto(`${base}/admin`);
      await page.locator('#token, main article, main .empty').first().waitFor();
      if (await page.locator('#token').isVisible()) {
        await page.fill('#token', TOKEN);
        await page.click('button[type=submit]');
      }
      await page.locator('nav.views').waitFor();
    };
    const asAdmin = (r: request.Test) => r.set('Authorization', `Bearer ${TOKEN}`);

    it('bans the IP of a comment from its card through a dialog, by kind, value and prefix', async () => {
      const posted = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'From a soon banned address', email: 'ipban@example.org' }));
      await signIn();
      const card = page.locator(`article[data-id="${posted.body.comment.id}"]`);
      await card.waitFor();
      let prompted = false;
      const onDialog = (d: import('playwright-core').Dialog) => {
        prompted = true;
        void d.dismiss();
      };
      page.on('dialog', onDialog);
      await card.getByRole('button', { name: 'Ban…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add a ban' });
      await dialog.waitFor();
      // The card suggests the author's email; the moderator switches to the IP and widens it to a /24.
      await expect(dialog.getByLabel('Value').inputValue()).resolves.toBe('ipban@example.org');
      await dialog.getByLabel('Ban by').selectOption('domain');
      await expect(dialog.getByLabel('Value').inputValue()).resolves.toBe('example.org');
      await dialog.getByLabel('Ban by').selectOption('ip');
      await expect(dialog.getByLabel('Value').inputValue()).resolves.toBe('127.0.0.1');
      await dialog.getByLabel(/Prefix length/).fill('24');
      await dialog.getByLabel('Reason (optional)').fill('flooding');
      await dialog.getByRole('button', { name: 'Ban', exact: true }).click();
      await page.getByText('IP banned: new comments from it will be refused.').waitFor();
      await dialog.waitFor({ state: 'detached' });
      page.off('dialog', onDialog);
      expect(prompted).toBe(false);
      const bans = await asAdmin(request(app.http).get('/api/v1/admin/bans'));
      expect(bans.body.bans).toEqual([expect.objectContaining({ kind: 'ip', prefix: 24, reason: 'flooding', actor: 'editor' })]);
      const refused = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'Again', email: 'other@example.org' }));
      expect(refused.status).toBe(403);

      // The bans view lists it and removes it; a new one gets an expiry.
      await page.click('[data-view=bans]');
      const row = page.locator(`tr[data-id="${bans.body.bans[0].id}"]`);
      await row.waitFor();
      await expect(row.innerText()).resolves.toMatch(/IP \/24\s+flooding/);
      await row.getByRole('button', { name: 'Remove' }).click();
      await row.waitFor({ state: 'detached' });
      expect((await asAdmin(request(app.http).get('/api/v1/admin/bans'))).body.bans).toEqual([]);
      await page.getByRole('button', { name: 'Add a ban…' }).click();
      await dialog.getByLabel('Ban by').selectOption('domain');
      await expect(dialog.getByLabel(/Prefix length/).isVisible()).resolves.toBe(false);
      await dialog.getByLabel('Value').fill('spam.example');
      await dialog.getByLabel(/Ends/).fill('2099-01-01T12:00');
      await dialog.getByRole('button', { name: 'Ban', exact: true }).click();
      await page.locator('tbody tr').filter({ hasText: 'Domain' }).waitFor();
      const after = (await asAdmin(request(app.http).get('/api/v1/admin/bans'))).body.bans;
      expect(after).toEqual([expect.objectContaining({ kind: 'domain', expiresAt: expect.stringMatching(/^2099-01-01T/) })]);
      await asAdmin(request(app.http).delete(`/api/v1/admin/bans/${after[0].id}`));
      expect(cspViolations).toEqual([]);
    }, 60_000);

    it('shows what a held reply answers and why it was held, in words', async () => {
      const parent = await request(app.http).post('/api/v1/comments').send(validComment({ name: 'Grace', email: 'grace@example.org', body: 'Which compiler came first?' }));
      await asAdmin(request(app.http).post(`/api/v1/admin/comments/${parent.body.comment.id}/approve`)).send({});
      const held = await request(app.http)
        .post('/api/v1/comments')
        .send(validComment({ email: 'links@example.org', body: 'See https://a.example https://b.example https://c.example', parentId: parent.body.comment.id }));
      await signIn();
      const card = page.locator(`article[data-id="${held.body.comment.id}"]`);
      await card.waitFor();
      const quote = card.locator('blockquote.parent');
      await expect(quote.innerText()).resolves.toMatch(/In reply to Grace · view in thread\s+Which compiler came first\?/);
      await expect(quote.getByRole('link', { name: 'view in thread' }).getAttribute('href')).resolves.toBe(
        `/threads/html?url=${encodeURIComponent(ARTICLE)}#c-${parent.body.comment.id}`,
      );
      await expect(card.locator('.reasons').innerText()).resolves.toBe('Why: 3 links (more than allowed); every comment is reviewed (MODERATION=all)');
      await asAdmin(request(app.http).post(`/api/v1/admin/comments/${held.body.comment.id}/delete`)).send({});
    }, 60_000);

    it('replies as a moderator and edits a comment from its card', async () => {
      const posted = await request(app.http).post('/api/v1/comments').send(validComment({ email: 'asker@example.org', body: 'Is there a typo here?' }));
      await asAdmin(request(app.http).post(`/api/v1/admin/comments/${posted.body.comment.id}/approve`)).send({});
      await signIn();
      await page.click('[data-status=approved]');
      const card = page.locator(`article[data-id="${posted.body.comment.id}"]`);
      await card.waitFor();
      await card.getByRole('button', { name: 'Reply' }).click();
      await card.getByLabel(/as a moderator/).fill('Yes, **fixed** now.');
      await card.getByRole('button', { name: 'Publish reply' }).click();
      await page.getByText('Reply published.').waitFor();
      const thread = (await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body.comments as { id: string; replies: { author: object; html: string }[] }[];
      const replies = thread.find((c) => c.id === posted.body.comment.id)!.replies;
      expect(replies).toEqual([expect.objectContaining({ author: expect.objectContaining({ name: 'editor', moderator: true }), html: '<p>Yes, <strong>fixed</strong> now.</p>\n' })]);

      // The reply is in the approved list, marked as a moderator's.
      const mine = page.locator('main article').filter({ hasText: 'fixed now.' });
      await mine.waitFor();
      await expect(mine.locator('.who .badge').textContent()).resolves.toBe('Moderator');
      await card.getByRole('button', { name: 'Edit' }).click();
      await card.getByLabel('Edit the comment (Markdown)').fill('Is there a *typo* here?');
      await card.getByLabel(/Reason for the edit/).fill('emphasis');
      await card.getByRole('button', { name: 'Save edit' }).click();
      await page.getByText('Comment edited.').waitFor();
      await expect(card.locator('.text em').textContent()).resolves.toBe('typo');
      const audit = (await asAdmin(request(app.http).get(`/api/v1/admin/audit?commentId=${posted.body.comment.id}`))).body.entries;
      expect(audit[0]).toMatchObject({ actor: 'editor', action: 'edit', reason: 'emphasis' });
      expect(cspViolations).toEqual([]);
    }, 60_000);

    it('lists threads and locks and unlocks one', async () => {
      await request(app.http).post('/api/v1/comments').send(validComment({ email: 'early@example.org', body: 'first here' }));
      await signIn();
      await page.click('[data-view=threads]');
      const row = page.locator('tbody tr').filter({ hasText: ARTICLE });
      await row.waitFor();
      await row.getByRole('button', { name: 'Lock' }).click();
      await page.getByText('Thread locked: it stays readable and takes no new comments.').waitFor();
      await row.getByRole('button', { name: 'Unlock' }).waitFor();
      const locked = await request(app.http).post('/api/v1/comments').send(validComment({ email: 'late@example.org', body: 'too late' }));
      expect([locked.status, locked.body]).toEqual([403, expect.objectContaining({ error: expect.objectContaining({ code: 'thread_locked' }) })]);
      await row.getByRole('button', { name: 'Unlock' }).click();
      await row.getByRole('button', { name: 'Lock' }).waitFor();
      expect((await request(app.http).post('/api/v1/comments').send(validComment({ email: 'late@example.org', body: 'in time' }))).status).toBe(201);
    }, 60_000);

    it('shows the audit log, and exports and erases a person', async () => {
      await request(app.http).post('/api/v1/comments').send(validComment({ email: 'forget.me@example.org', body: 'Remove me later' }));
      await signIn();
      await page.click('[data-view=audit]');
      await page.locator('tbody tr').filter({ hasText: 'locked a thread' }).first().waitFor();
      await page.locator('tbody tr').filter({ hasText: 'replied' }).first().waitFor();

      await page.click('[data-view=people]');
      await page.getByLabel('Email address').fill('forget.me@example.org');
      await page.getByRole('button', { name: 'Export as JSON' }).click();
      await page.getByText('1 comment found.').waitFor();
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: 'Download the export' }).click();
      const file = await (await download).path();
      expect(JSON.parse(fs.readFileSync(file!, 'utf8')).comments[0]).toMatchObject({ body: 'Remove me later', author: { email: 'forget.me@example.org' } });

      await page.getByRole('button', { name: 'Erase…' }).click();
      const confirm = page.getByRole('dialog', { name: 'Erase this person’s data?' });
      await confirm.getByRole('button', { name: 'Erase' }).click();
      await page.getByText('1 comment erased.').waitFor();
      const left = await asAdmin(request(app.http).get('/api/v1/admin/authors/export').query({ email: 'forget.me@example.org' }));
      expect(left.body.comments).toEqual([]);
    }, 60_000);

    it('hides the keyboard hint on touch screens', async () => {
      await signIn();
      await page.click('[data-view=queue]');
      await expect(page.locator('.keys').isVisible()).resolves.toBe(true);
      const touch = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } });
      const phone = await touch.newPage();
      await phone.goto(`${base}/admin`);
      await phone.fill('#token', TOKEN);
      await phone.click('button[type=submit]');
      await phone.locator('nav.views').waitFor();
      expect(await phone.evaluate("matchMedia('(hover: none)').matches")).toBe(true);
      await expect(phone.locator('.keys').isVisible()).resolves.toBe(false);
      // Not fullPage: Chromium re-emulates the device for a full-page shot, and (hover: none) briefly stops matching.
      await phone.screenshot({ path: path.join(os.tmpdir(), 'parley-admin-phone-queue.png') });
      await phone.click('[data-view=threads]');
      await phone.locator('main h2').waitFor();
      await phone.screenshot({ path: path.join(os.tmpdir(), 'parley-admin-phone-threads.png'), fullPage: true });
      await touch.close();
    }, 60_000);

    it('has no serious accessibility problems in any view, in light and dark, with a dialog open', async () => {
      const axe = fs.readFileSync(path.join(process.cwd(), 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
      const check = async (where: string) => {
        // Through evaluate: the page's CSP refuses injected script tags.
        if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(axe);
        const found = (await page.evaluate(
          "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.nodes.map((n) => n.target).join(' ')))",
        )) as string[];
        return found.map((f) => `${where}: ${f}`);
      };
      const parent = await request(app.http).post('/api/v1/comments').send(validComment({ email: 'p@example.org', body: 'parent' }));
      await asAdmin(request(app.http).post(`/api/v1/admin/comments/${parent.body.comment.id}/approve`)).send({});
      await request(app.http).post('/api/v1/comments').send(validComment({ email: 'q@example.org', body: 'held reply https://x.example', parentId: parent.body.comment.id }));
      const problems: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await signIn();
        await page.locator('main article').first().waitFor();
        problems.push(...(await check(`${scheme} queue`)));
        await page.locator('main article').first().getByRole('button', { name: 'Reply' }).click();
        problems.push(...(await check(`${scheme} reply form`)));
        await page.locator('main article').first().getByRole('button', { name: 'Ban…' }).click();
        problems.push(...(await check(`${scheme} ban dialog`)));
        await page.screenshot({ path: path.join(os.tmpdir(), `parley-admin-${scheme}-queue.png`), fullPage: true });
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'detached' });
        for (const view of ['threads', 'bans', 'audit', 'people'] as const) {
          await page.click(`[data-view=${view}]`);
          await page.locator('main h2').waitFor();
          problems.push(...(await check(`${scheme} ${view}`)));
        }
        await page.screenshot({ path: path.join(os.tmpdir(), `parley-admin-${scheme}.png`), fullPage: true });
      }
      await page.emulateMedia({ colorScheme: 'light' });
      expect(problems).toEqual([]);
    }, 120_000);

    it('shows a moderator reply in the widget with a Moderator badge and the moderator name', async () => {
      // A second app whose own origin is allowed, so its /demo page can show the widget.
      const own = http.createServer();
      own.listen(0, '127.0.0.1');
      await new Promise((r) => own.once('listening', r));
      const ownBase = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
      const site = await createTestApp({ ADMIN_TOKEN: `Alice Smith:${TOKEN}`, ALLOWED_ORIGINS: ownBase, PUBLIC_URL: ownBase });
      own.on('request', site.http);
      try {
        const demo = `${ownBase}/demo`;
        const asked = await request(site.http).post('/api/v1/comments').send(validComment({ url: demo, body: 'Who answers here?' }));
        expect(asked.status).toBe(201);
        const r = await request(site.http).post(`/api/v1/admin/comments/${asked.body.comment.id}/reply`).set('Authorization', `Bearer ${TOKEN}`).send({ body: 'The desk does.' });
        expect(r.status).toBe(201);
        const reader = await browser.newPage();
        await reader.goto(demo);
        const replyMeta = reader.locator('#parley .meta').filter({ hasText: 'Alice Smith' });
        await replyMeta.waitFor();
        await expect(replyMeta.locator('.mod').textContent()).resolves.toBe('Moderator');
        // The reader's own comment has no badge.
        await expect(reader.locator('#parley .meta').filter({ hasText: 'Ada Lovelace' }).locator('.mod').count()).resolves.toBe(0);
        await reader.close();
      } finally {
        await new Promise((r) => own.close(r));
        await site.close();
      }
    }, 60_000);

    it('answers /admin without ADMIN_TOKEN with a page that says how to turn it on, with no accessibility problem', async () => {
      const off = await createTestApp();
      const offServer = createServer(off.http).listen(0, '127.0.0.1');
      await new Promise((r) => offServer.once('listening', r));
      try {
        const p = await browser.newPage();
        await p.goto(`http://127.0.0.1:${(offServer.address() as AddressInfo).port}/admin`);
        await expect(p.locator('h1').textContent()).resolves.toBe('Moderation is off');
        await expect(p.locator('main').innerText()).resolves.toMatch(/set ADMIN_TOKEN to a secret of at least 32 characters/);
        await p.evaluate(fs.readFileSync(path.join(process.cwd(), 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
        const found = await p.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id))");
        expect(found).toEqual([]);
        await p.close();
      } finally {
        await new Promise((r) => offServer.close(r));
        await off.close();
      }
    }, 60_000);

    it('serves the page with a strict Content-Security-Policy', async () => {
      const res = await request(app.http).get('/admin');
      expect(res.status).toBe(200);
      const csp = res.headers['content-security-policy'] as string;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
    });
  });
}
