/**
 * The widget's "Notify me of follow-up replies by email" box in a real browser (Chromium via playwright-core): offered
 * only when the server mails replies, in the widget's language, and a ticked box subscribes the comment with the
 * widget's language (the confirmation mail arrives in it). Skips loudly without Chromium; REQUIRE_BROWSER=1 fails then.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import { readMail } from '../support/mime-parts.js';
import { startSmtpReceiver } from '../support/smtp-receiver.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { buildWeb } from '../support/web-build.js';

const CHROMIUM = '/usr/bin/chromium';
const hasBrowser = fs.existsSync(CHROMIUM);

const serve = (server: http.Server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

(hasBrowser ? describe : describe.skip)('the "Notify me" box in a real browser', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  const apps: TestApp[] = [];
  const servers: http.Server[] = [];
  let browser: Browser;

  /** An API (with these settings) and an article page embedding it; returns the article's address. */
  async function article(env: Record<string, string>, lang: string): Promise<{ app: TestApp; url: string }> {
    let app: TestApp | undefined;
    const api = http.createServer((req, res) => app!.http(req, res));
    const apiBase = await serve(api);
    app = await createTestApp({ MIN_SUBMIT_SECONDS: '0', PUBLIC_URL: apiBase, SMTP_URL: smtp.url, MAIL_FROM: 'Parley <c@example.com>', ...env });
    app.clock.now = Date.now();
    const page = http.createServer((_req, res) =>
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A</title></head><body><div id="parley" data-lang="${lang}"></div><script src="${apiBase}/embed.js" defer></script></body></html>`),
    );
    const url = `${(await serve(page)).replace('127.0.0.1', 'localhost')}/a/story`;
    apps.push(app);
    servers.push(api, page);
    return { app, url };
  }

  beforeAll(async () => {
    buildWeb();
    smtp = await startSmtpReceiver();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await new Promise((r) => s.close(r));
    for (const a of apps) await a.close();
    await smtp?.close();
  });

  it('offers the box in the widget language, and a ticked box asks for a confirmation mail in that language', async () => {
    const { app, url } = await article({}, 'fr');
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(url);
    const box = page.locator('#parley #f-ntf');
    await box.waitFor({ state: 'visible' });
    await expect(page.locator('#parley label[for=f-ntf]').textContent()).resolves.toBe('Me prévenir par e-mail des réponses');
    await expect(box.isChecked()).resolves.toBe(false);

    await page.locator('#parley #f-body').fill('Une question ?');
    await page.locator('#parley #f-name').fill('Ada');
    await page.locator('#parley #f-email').fill('ada.browser@example.org');
    await box.check();
    await page.locator('#parley form button[type=submit]').first().click();
    await page.locator('#parley [role=status]').filter({ hasText: /publié/ }).waitFor();
    await app.jobs.outbox.runOnce();
    expect(smtp.received.map((m) => m.to)).toEqual([['ada.browser@example.org']]);
    expect(readMail(smtp.received[0]!.raw).subject).toMatch(/^Confirmez/);

    // Unticked: no subscription, no mail.
    await box.uncheck();
    await page.locator('#parley #f-body').fill('Sans suivi');
    await page.locator('#parley #f-email').fill('bob.browser@example.org');
    await page.locator('#parley form button[type=submit]').first().click();
    await page.locator('#parley .list .body').filter({ hasText: 'Sans suivi' }).waitFor();
    await app.jobs.outbox.runOnce();
    expect(smtp.received).toHaveLength(1);
    await page.close();
  });

  it('does not offer the box when reply notifications are off', async () => {
    const { url } = await article({ REPLY_NOTIFICATIONS: 'off' }, 'en');
    const page = await browser.newPage();
    await page.goto(url);
    await page.locator('#parley form button[type=submit]').first().waitFor();
    await page.locator('#parley .list[aria-busy]').waitFor({ state: 'detached' });
    await expect(page.locator('#parley #f-ntf').isHidden()).resolves.toBe(true);
    await page.close();
  });
});
if (!hasBrowser) {
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} does not exist`);
  console.warn(`!! SKIPPING the "Notify me" browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}
