/**
 * me.js: the "My comments" view of a signed-in commenter, loaded by embed.js on first open (same origin, with its
 * SRI hash). Their comments across the site, newest first, page by page (GET /me/comments), each with its article,
 * date, status and text and a Delete button (with confirmation); "Download my comments" saves the export as a JSON
 * file. Results are announced in a live region; focus goes to the heading on open and stays in the view on changes.
 */
import type { MyCommentsExport, MyCommentsResponse } from '../../../src/http/readers/dto.js';
import { ApiError, createCall, NetworkError, query } from '../api.js';
import { h } from '../dom.js';
import { fill, fullDate } from '../i18n.js';
import type { MeContext } from './contract.js';
import { meStrings } from './i18n.js';

type Mine = MyCommentsResponse['comments'][number];

const PAGE = 20;
const FILE = 'parley-my-comments.json';
const CSS = `.me{margin-top:1.75rem;padding:1rem;border:1px solid var(--parley-border);border-radius:var(--parley-radius)}
.me-h{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;margin-bottom:.5rem}
.me-l>li{border-top:1px solid var(--parley-border);padding:.75rem 0}
.me-l .notes{margin:0;display:flex;flex-wrap:wrap;gap:.1rem .6rem;align-items:baseline}
.me-l .note{display:inline-block;margin:0}`;

let styled = false;

/** The view's few rules, added to the widget's shadow root once (a constructed sheet passes a strict style-src). */
function addStyles(root: HTMLElement): void {
  if (styled) return;
  styled = true;
  const shadow = root.getRootNode() as ShadowRoot;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
  } catch {
    shadow.append(h('style', { text: CSS }));
  }
}

/** "news.example.org/2026/06/a-story": what a reader recognises of an article's address. */
function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    return (u.host + u.pathname).replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** The "My comments" button's action: opens the view, or closes it when open. */
function toggleMe(ctx: MeContext): void {
  const { root, button } = ctx;
  if (root.firstChild) {
    root.replaceChildren();
    button.setAttribute('aria-expanded', 'false');
    button.focus();
    return;
  }
  button.setAttribute('aria-expanded', 'true');
  openMe(ctx, () => toggleMe(ctx));
}

function openMe(ctx: MeContext, close: () => void): void {
  const s = meStrings(ctx.lang);
  const call = createCall(ctx.apiBase);
  const auth = ctx.session;
  let cursor: string | null = null;
  let shown = 0;

  addStyles(ctx.root);
  const heading = h('h3', { id: 'me-t', tabindex: '-1' }, s.title);
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const list = h('ol', { class: 'me-l', 'aria-labelledby': 'me-t' });
  const none = h('p', { class: 'notes', hidden: true }, s.none);
  const more = h('button', { type: 'button', class: 'btn2 more', hidden: true, onclick: () => void load() }, s.more);
  const download = h('button', { type: 'button', class: 'btn2', onclick: () => void save() }, s.download);
  const view = h(
    'section',
    { class: 'me', 'aria-labelledby': 'me-t' },
    h('div', { class: 'me-h' }, heading, h('button', { type: 'button', class: 'link', onclick: close }, s.close)),
    h('p', {}, download),
    status,
    list,
    none,
    more,
  );
  view.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  ctx.root.replaceChildren(view);
  heading.focus();

  function say(text: string, bad = false): void {
    status.classList.toggle('bad', bad);
    status.textContent = text;
  }

  /** Says what went wrong; a session the server no longer takes signs the widget out. */
  function failed(err: unknown): void {
    if (err instanceof ApiError && err.code === 'sign_in_required') {
      say(s.signedOut, true);
      ctx.onSignedOut();
      return;
    }
    say(err instanceof NetworkError ? s.offline : s.failed, true);
  }

  function item(c: Mine): HTMLLIElement {
    const date = fullDate(ctx.lang, c.createdAt);
    const body = h('div', { class: 'body' });
    // Rendered from Markdown and sanitised by the server, as in the thread: the one HTML sink.
    body.innerHTML = c.html;
    const li = h(
      'li',
      {},
      h(
        'article',
        { tabindex: '-1', 'aria-label': date },
        h(
          'p',
          { class: 'notes' },
          h('span', {}, `${s.on} `, c.url && /^https?:\/\//i.test(c.url) ? h('a', { href: c.url }, shortUrl(c.url)) : s.unpublishedPage),
          h('time', { datetime: c.createdAt }, date),
          h('span', { class: c.status === 'pending' ? 'note' : null }, c.status === 'pending' ? s.awaiting : s.published),
        ),
        body,
        h('div', { class: 'acts' }, h('button', { type: 'button', class: 'link', 'aria-label': fill(s.delLabel, 'date', date), onclick: () => void remove(c, li) }, s.del)),
      ),
    );
    return li;
  }

  async function load(): Promise<void> {
    if (more.hasAttribute('aria-disabled')) return;
    more.setAttribute('aria-disabled', 'true');
    list.setAttribute('aria-busy', 'true');
    if (shown === 0) say(s.loading);
    try {
      const page = await call<MyCommentsResponse>('GET', `/me/comments?${query({ limit: PAGE, cursor })}`, undefined, auth);
      const added = page.comments.map(item);
      list.append(...added);
      shown += added.length;
      cursor = page.nextCursor;
      more.hidden = !cursor;
      none.hidden = shown > 0;
      say(shown > 0 ? fill(s.loaded[shown === 1 ? 0 : 1]!, 'n', String(shown)) : '');
      // After "Load more", the first new comment; the heading keeps focus on the first page.
      if (added.length > 0 && list.children.length > added.length) added[0]!.querySelector('article')!.focus();
    } catch (err) {
      failed(err);
    } finally {
      more.removeAttribute('aria-disabled');
      list.removeAttribute('aria-busy');
    }
  }

  async function remove(c: Mine, li: HTMLLIElement): Promise<void> {
    if (!window.confirm(s.confirmDel)) return;
    try {
      await call<void>('DELETE', `/me/comments/${encodeURIComponent(c.id)}`, undefined, auth);
    } catch (err) {
      // Already gone (deleted elsewhere): it goes from the list all the same.
      if (!(err instanceof ApiError && err.code === 'comment_not_found')) return failed(err);
    }
    const next = (li.nextElementSibling ?? li.previousElementSibling)?.querySelector('article');
    li.remove();
    shown -= 1;
    none.hidden = shown > 0 || !!cursor;
    ctx.onDeleted(c.id);
    say(s.deleted);
    (next ?? heading).focus();
  }

  async function save(): Promise<void> {
    try {
      const data = await call<MyCommentsExport>('GET', '/me/comments/export', undefined, auth);
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const a = h('a', { href: url, download: FILE, hidden: true });
      view.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      say(s.downloaded);
    } catch (err) {
      failed(err);
    }
  }

  void load();
}

window.parleyMe = toggleMe;
