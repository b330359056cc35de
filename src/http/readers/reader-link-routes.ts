/**
 * /notify/confirm/:token and /notify/unsubscribe/:token — the signed links of reader mails. GET only shows a page with
 * a button (mail scanners follow links: they must neither confirm an address nor unsubscribe anyone); the button POSTs
 * to the same address. A mail client's RFC 8058 one-click POST (`List-Unsubscribe=One-Click`) acts the same way
 * without any page. Pages are in the thread's language; a client that asks for JSON gets JSON, errors included.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../../domain/errors.js';
import type { ModeratorLang as MailLang } from '../../notify/mail-lang.js';
import type { ReaderNotifications, ResolvedLink } from '../../notify/reader-notifications.js';
import { READER_WORDS } from '../../notify/reader-templates.js';
import { html } from '../html.js';
import { plainPage } from '../plain-page.js';

type Purpose = 'confirm' | 'unsubscribe';

const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';

/** A link that cannot be followed: 400 invalid or forged, 410 expired, 404 withdrawn (a confirmation after "unsubscribe from everything"). */
function refuse(req: Request, res: Response, link: Extract<ResolvedLink, { ok: false }>): void {
  const w = READER_WORDS[link.lang];
  if (wantsJson(req)) {
    if (link.reason === 'gone') throw new AppError('not_found', 'This request was withdrawn.');
    throw link.reason === 'expired' ? new AppError('link_expired', 'This link has expired.') : new AppError('link_invalid', 'This link is not valid.');
  }
  if (link.reason === 'gone') plainPage(res, 404, w.goneTitle, html`<p>${w.goneBody}</p>`, link.lang);
  else plainPage(res, link.reason === 'expired' ? 410 : 400, link.reason === 'expired' ? w.expiredTitle : w.invalidTitle, html`<p>${w.badLinkBody}</p>`, link.lang);
}

export function readerLinkRoutes(deps: { readers: ReaderNotifications; limiter?: RequestHandler | undefined }): Router {
  const router = Router();
  if (deps.limiter) router.use('/notify', deps.limiter);

  const resolve = async (req: Request<{ token: string }>, res: Response, purpose: Purpose) => {
    const link = await deps.readers.resolve(req.params.token, purpose);
    if (!link.ok) {
      refuse(req, res, link);
      return null;
    }
    return link;
  };
  const titleOf = (w: (typeof READER_WORDS)[MailLang], kind: ResolvedLink & { ok: true }) =>
    kind.kind === 'confirm' ? w.confirmTitle : kind.kind === 'thread' ? w.stopThreadTitle : w.stopAllTitle;

  for (const purpose of ['confirm', 'unsubscribe'] as const) {
    router.get(`/notify/${purpose}/:token`, async (req, res) => {
      const link = await resolve(req, res, purpose);
      if (!link) return;
      const w = READER_WORDS[link.lang];
      if (wantsJson(req)) {
        res.set('Cache-Control', 'no-store').json({ action: link.kind === 'confirm' ? 'confirm' : 'unsubscribe', scope: link.kind === 'confirm' ? null : link.kind });
        return;
      }
      const button = purpose === 'confirm' ? w.confirmButton : w.stopButton;
      plainPage(res, 200, titleOf(w, link), html`<form method="post"><button type="submit">${button}</button></form>`, link.lang);
    });

    router.post(`/notify/${purpose}/:token`, async (req, res) => {
      const link = await resolve(req, res, purpose);
      if (!link) return;
      await deps.readers.act(link);
      const w = READER_WORDS[link.lang];
      if (wantsJson(req)) {
        res.set('Cache-Control', 'no-store').json(link.kind === 'confirm' ? { confirmed: true } : { unsubscribed: true, scope: link.kind });
        return;
      }
      if (link.kind === 'confirm') plainPage(res, 200, w.confirmedTitle, html`<p>${w.confirmedBody}</p>`, link.lang);
      else plainPage(res, 200, w.stoppedTitle, html`<p>${link.kind === 'thread' ? w.stoppedThread : w.stoppedAll}</p>`, link.lang);
    });
  }
  return router;
}
