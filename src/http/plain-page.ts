/** The small pages signed mail links answer with (moderation links, reader confirm/unsubscribe): no script, no style, not indexed. */
import type { Response } from 'express';
import { html, pageCsp, type Html } from './html.js';

const CSP = pageCsp({ styleSources: ["'none'"] });

export function plainPage(res: Response, status: number, title: string, body: Html, lang = 'en'): void {
  res
    .status(status)
    .set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': CSP, 'Referrer-Policy': 'no-referrer' })
    .send(html`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="robots" content="noindex"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`.value);
}
