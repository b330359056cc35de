/**
 * The moderation page in a real browser (Debian's chromium through playwright-core): sign in, approve a pending
 * comment, see it leave the queue and appear in the public thread. Skips loudly without chromium; REQUIRE_BROWSER=1
 * (as in .ci/run) turns the skip into a failure.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
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

    it('bans the IP of a comment from its card, by kind and value', async () => {
      const posted = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'From a soon banned address', email: 'ipban@example.org' }));
      await page.goto(`${base}/admin`);
      if (await page.locator('#token').isVisible()) {
        await page.fill('#token', TOKEN);
        await page.click('button[type=submit]');
      }
      const card = page.locator(`article[data-id="${posted.body.comment.id}"]`);
      await card.waitFor();
      const prompts: string[] = [];
      const onDialog = (d: import('playwright-core').Dialog) => {
        prompts.push(d.defaultValue());
        void d.accept(d.defaultValue());
      };
      page.on('dialog', onDialog);
      await card.getByRole('button', { name: 'Ban IP' }).click();
      await page.getByText('IP banned: new comments from it will be refused.').waitFor();
      page.off('dialog', onDialog);
      expect(prompts[0]).toMatch(/127\.0\.0\.1$/);
      const bans = await request(app.http).get('/api/v1/admin/bans').set('Authorization', `Bearer ${TOKEN}`);
      expect(bans.body.bans).toEqual([expect.objectContaining({ kind: 'ip', prefix: 32, actor: 'editor' })]);
      const refused = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'Again', email: 'other@example.org' }));
      expect(refused.status).toBe(403);
      expect(cspViolations).toEqual([]);
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
