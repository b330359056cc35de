/**
 * The widget: the thread and the "Leave a Reply" form in an open shadow root. Comment HTML comes from the server,
 * which renders and sanitises it; every other string (names, messages) goes in as text.
 */
import { ApiError, createApi, NetworkError, type FormTokenResponse, type PublicComment, type PublicStatus, type Sort, type ThreadSelector } from './api.js';
import { avatar } from './avatar.js';
import { attr, h } from './dom.js';
import { countText, fill, fullDate, relativeTime, strings, type Strings } from './i18n.js';
import { dropOwn, findOwn, keepTrust, loadAuthor, loadSession, normEmail, ownIn, putOwn, saveAuthor, saveSession, trustFor, type Kept } from './store.js';
import { CSS } from './styles.js';
import './me/contract.js';

export interface WidgetOptions {
  host: HTMLElement;
  /** e.g. https://comments.example.org/api/v1 */
  apiBase: string;
  selector: ThreadSelector;
  lang: string;
  theme: 'light' | 'dark' | 'auto';
  /** The host site's signed SSO payload (data-sso); '' when the site says nobody is signed in. */
  sso?: string;
}

/** What main.ts exposes as window.parley: single-page sites pass a fresh payload after their own sign-in (null: signed out). */
export interface WidgetControl {
  setSso(token: string | null): void;
}

type Shown = PublicComment & { status?: PublicStatus };
type Field = 'body' | 'name' | 'email' | 'website';
type Errors = Partial<Record<Field, string>>;

interface Item {
  li: HTMLLIElement;
  kids: HTMLOListElement;
  c: Shown;
  depth: number;
}

const FIELDS: Field[] = ['body', 'name', 'email', 'website'];
// zod's email pattern, which the server applies: what passes here passes there.
const EMAIL = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;
const MAX = { name: 100, email: 254, website: 2048, body: 10_000 };
/** Levels of indentation; deeper replies (MAX_DEPTH above 5) line up with their parent. */
const INDENT_LEVELS = 4;
/** Form tokens live at least an hour (FORM_TOKEN_MAX_AGE_HOURS ≥ 1); refresh well before. */
const TOKEN_REFRESH_MS = 45 * 60_000;
const AVATAR_PX = 40;

const chars = (v: string) => [...v].length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function validate(v: Record<Field, string>): Errors {
  const e: Errors = {};
  if (!v.name) e.name = 'required';
  else if (chars(v.name) > MAX.name) e.name = 'too_long';
  if (!v.email) e.email = 'required';
  else if (v.email.length > MAX.email) e.email = 'too_long';
  else if (!EMAIL.test(v.email)) e.email = 'invalid';
  if (v.website) {
    let ok = false;
    try {
      const u = new URL(v.website);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      // not a URL
    }
    if (!ok) e.website = 'invalid';
    else if (v.website.length > MAX.website) e.website = 'too_long';
  }
  if (!v.body) e.body = 'required';
  else if (chars(v.body) > MAX.body) e.body = 'too_long';
  return e;
}

export function mount(o: WidgetOptions): WidgetControl {
  const s: Strings = strings(o.lang);
  const api = createApi(o.apiBase);
  const sel = o.selector;
  const root = o.host.attachShadow({ mode: 'open' });
  if (o.theme !== 'auto') o.host.setAttribute('data-theme', o.theme);
  try {
    // Constructed sheets are not inline styles: they work under a site's strict style-src CSP.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.append(h('style', { text: CSS }));
  }

  let sort: Sort = 'oldest';
  let cursor: string | null = null;
  let key: string | null = null;
  let count = 0;
  let token: FormTokenResponse | null = null;
  let tokenAt = 0;
  let replyTo: string | null = null;
  let busy = false;
  let locked = false;
  let attempt: { what: string; key: string } | null = null;
  const items = new Map<string, Item>();
  /** Comments shown here but not (yet) in the loaded pages: the author's own, just posted or held. */
  const extras = new Set<string>();
  let me: Kept | null = loadSession();
  const apiOrigin = new URL(o.apiBase).origin;

  // ---- the frame ----
  const heading = h('h2', { id: 'ttl', tabindex: '-1' }, s.loading);
  const sortButtons = (['oldest', 'newest'] as Sort[]).map((v) =>
    h('button', { type: 'button', 'aria-pressed': String(v === sort), onclick: () => void setSort(v) }, s[v]),
  );
  const list = h('ol', { class: 'list' });
  const empty = h('p', { class: 'empty', hidden: true }, s.empty);
  const loadError = h('div', { class: 'status bad', role: 'alert', hidden: true });
  const more = h('button', { type: 'button', class: 'btn2 more', hidden: true, onclick: () => void loadMore() }, s.more);

  // ---- the form ----
  const input = (f: Field, type: string, autocomplete: string, required: boolean) =>
    h('input', { id: `f-${f}`, name: f, type, autocomplete, required, spellcheck: 'false', 'aria-describedby': f === 'email' ? 'notes' : null });
  const fields = {
    body: h('textarea', { id: 'f-body', name: 'body', rows: 6, required: true, 'aria-describedby': 'hint' }),
    name: input('name', 'text', 'name', true),
    email: input('email', 'email', 'email', true),
    website: input('website', 'url', 'url', false),
  };
  const errs = {} as Record<Field, HTMLParagraphElement>;
  const field = (f: Field, label: string, required: boolean) => {
    errs[f] = h('p', { id: `e-${f}`, class: 'err', hidden: true });
    return h(
      'div',
      { class: 'f' },
      h('label', { for: `f-${f}` }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      fields[f],
      errs[f],
    );
  };
  const [noticeA = '', noticeB = ''] = s.notice.split('*');
  const title = h('span', { id: 'rt' }, s.leave);
  const cancel = h('button', { type: 'button', class: 'link', hidden: true, onclick: () => cancelReply(true) }, s.cancelReply);
  const honeypot = h('input', { id: 'f-hp', name: 'contact_me_by_fax_only', type: 'text', tabindex: '-1', autocomplete: 'off' });
  const remember = h('input', { id: 'f-save', type: 'checkbox' });
  const notify = h('input', { id: 'f-ntf', type: 'checkbox' });
  // Offered only when the server mails replies (the form token says so).
  const notifyRow = h('p', { class: 'chk', hidden: true }, notify, h('label', { for: 'f-ntf' }, s.notify));
  const submitBtn = h('button', { type: 'submit', class: 'btn' }, s.submit);
  // Rendered by the server's own Markdown pipeline: what it shows is what would be published.
  const previewBox = h('div', { class: 'preview body', role: 'region', 'aria-label': s.preview, tabindex: '-1', hidden: true });
  const previewBtn = h('button', { type: 'button', class: 'btn2', onclick: () => void preview() }, s.preview);
  const closed = h('p', { class: 'status', hidden: true }, s.thread_locked);
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  // Signed in: who, and Sign out; otherwise Sign in (OpenID popup) when the server offers it.
  const idBar = h('p', { id: 'id', class: 'notes', hidden: true });
  // "My comments" (me.js, loaded on first open) shows in this panel.
  const mePanel = h('div', { id: 'me' });
  const meBtn = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': 'me', onclick: () => void openMe() }, s.myComments);
  /** What only guests fill in (a signed-in commenter's name and email come from the sign-in). */
  const guest = [
    h('p', { id: 'notes', class: 'notes' }, noticeA, h('span', { class: 'req' }, '*'), noticeB),
    h('div', { class: 'row' }, field('name', s.name, true), field('email', s.email, true), field('website', s.website, false)),
    h('p', { class: 'chk' }, remember, h('label', { for: 'f-save' }, s.remember)),
  ];
  /** Hidden while signing in is required (GUEST_COMMENTS=off) and nobody is. */
  const writing = [field('body', s.comment, true), h('p', { id: 'hint', class: 'notes hint' }, s.hint), previewBox, h('p', { class: 'f btns' }, submitBtn, previewBtn)];
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'rt', onsubmit: (e) => void submit(e) },
    idBar,
    guest[0],
    ...writing.slice(0, 3),
    guest[1],
    h('div', { class: 'hp', 'aria-hidden': 'true' }, h('label', { for: 'f-hp' }, s.hp), honeypot),
    guest[2],
    notifyRow,
    writing[3],
    status,
  );
  const respond = h('div', { class: 'respond' }, h('h3', { class: 'rt' }, title, cancel), form);

  const section = h(
    'section',
    { class: 'p', lang: o.lang, 'aria-labelledby': 'ttl' },
    h(
      'div',
      { class: 'bar' },
      heading,
      h('div', { class: 'sort', role: 'group', 'aria-labelledby': 'sl' }, h('span', { id: 'sl' }, s.sortBy), h('span', { class: 'seg' }, ...sortButtons)),
    ),
    loadError,
    list,
    empty,
    more,
    closed,
    mePanel,
    respond,
  );
  root.append(section);

  const saved = loadAuthor();
  if (saved) {
    fields.name.value = saved.name;
    fields.email.value = saved.email;
    fields.website.value = saved.website;
    remember.checked = true;
  }
  for (const f of FIELDS) {
    // An error goes away as soon as the field is right; it is not re-judged while the reader is still typing it.
    fields[f].addEventListener('input', () => {
      if (fields[f].getAttribute('aria-invalid') === 'true' && !validate(values())[f]) showErrors({ ...currentErrors(), [f]: undefined });
    });
  }
  fields.body.addEventListener('input', () => {
    previewBox.hidden = true;
  });
  // Escape leaves a reply the way Cancel reply does (the text stays in the field).
  respond.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && replyTo) {
      e.preventDefault();
      cancelReply(true);
    }
  });
  form.addEventListener('focusin', () => {
    if (token && Date.now() - tokenAt > TOKEN_REFRESH_MS) void fetchToken();
  });

  // ---- rendering ----
  function say(text: string, bad = false): void {
    status.classList.toggle('bad', bad);
    status.textContent = text;
  }

  function updateCount(): void {
    heading.textContent = countText(s, o.lang, count);
    // "Be the first" is no invitation on a closed thread.
    empty.hidden = items.size > 0 || locked;
  }

  function article(c: Shown): HTMLElement {
    const own = findOwn(c.id);
    if (c.deleted || !c.author) return h('article', { tabindex: '-1' }, h('p', { class: 'del' }, s.deleted));
    const site = c.author.website;
    const who = site && /^https?:\/\//i.test(site) ? h('a', { href: site, rel: 'nofollow ugc noopener noreferrer' }, c.author.name) : c.author.name;
    const body = h('div', { class: 'body' });
    // Rendered from Markdown and sanitised by the server (no raw HTML, allow-listed links): the one HTML sink.
    body.innerHTML = c.html;
    const acts = h('div', { class: 'acts' });
    const name = c.author.name;
    if (c.status !== 'pending' && !locked) {
      acts.append(h('button', { type: 'button', class: 'link rp', 'aria-label': fill(s.replyTo, 'name', name), onclick: () => openReply(c.id) }, s.reply));
    }
    // The buttons go once the edit window has passed (the server enforces it either way).
    if (own && !own.closed && (!token || Date.now() - own.at < token.editWindowMinutes * 60_000)) {
      acts.append(
        h('button', { type: 'button', class: 'link', onclick: () => startEdit(c.id) }, s.edit),
        h('button', { type: 'button', class: 'link', onclick: () => void remove(c.id) }, s.del),
      );
    }
    return h(
      'article',
      { tabindex: '-1', 'aria-label': name },
      avatar(c.author.avatar ?? c.id, AVATAR_PX, c.author.avatarUrl),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'who' }, who),
        c.author.moderator ? h('span', { class: 'mod' }, s.moderator) : null,
        c.author.badge ? h('span', { class: 'mod' }, c.author.badge) : null,
        h('time', { datetime: c.createdAt, title: fullDate(o.lang, c.createdAt) }, relativeTime(o.lang, c.createdAt)),
        c.editedAt ? h('span', { class: 'ed' }, `(${s.edited})`) : null,
      ),
      c.status === 'pending' ? h('p', { class: 'note' }, s.awaiting) : null,
      body,
      acts,
    );
  }

  function build(c: Shown, depth: number): HTMLLIElement {
    const kids = h('ol', { class: depth + 1 > INDENT_LEVELS ? 'kids flat' : 'kids' });
    const li = h('li', { class: 'c' }, article(c), kids);
    const old = items.get(c.id);
    if (old) {
      if (old.li.contains(respond)) cancelReply(false);
      // A page brought a comment already shown (the author's own): the page's copy wins, in the page's place.
      old.li.remove();
      extras.delete(c.id);
    }
    items.set(c.id, { li, kids, c, depth });
    for (const r of c.replies ?? []) kids.append(build(r, depth + 1));
    return li;
  }

  function rerender(id: string): void {
    const it = items.get(id);
    if (it) it.li.replaceChild(article(it.c), it.li.firstElementChild!);
  }

  /** A comment not from a page: under its parent when shown, else with the top-level ones where its date puts it. */
  function place(c: Shown): HTMLLIElement {
    const parent = c.parentId ? items.get(c.parentId) : undefined;
    const li = build(c, parent ? parent.depth + 1 : 0);
    if (parent) parent.kids.append(li);
    else if (sort === 'newest') list.prepend(li);
    else list.append(li);
    extras.add(c.id);
    return li;
  }

  function addPage(comments: Shown[]): HTMLLIElement[] {
    const firstExtra = sort === 'oldest' ? [...list.children].find((li) => [...extras].some((id) => items.get(id)?.li === li)) : undefined;
    return comments.map((c) => {
      const li = build(c, 0);
      list.insertBefore(li, firstExtra ?? null);
      return li;
    });
  }

  // ---- loading ----
  async function fetchToken(): Promise<void> {
    try {
      token = await api.formToken(sel);
      tokenAt = Date.now();
      honeypot.name = token.honeypotField;
      notifyRow.hidden = !token.notifyReplies;
      renderId();
    } catch {
      // Posting without a token still works: the comment is held for a moderator instead of published.
    }
  }

  async function load(): Promise<void> {
    if (list.contains(respond)) cancelReply(false);
    list.setAttribute('aria-busy', 'true');
    loadError.hidden = true;
    try {
      const [page] = await Promise.all([api.thread(sel, sort, null), token ? null : fetchToken()]);
      key = page.thread.key;
      count = page.thread.commentCount;
      locked = page.thread.locked;
      list.replaceChildren();
      items.clear();
      extras.clear();
      addPage(page.comments);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      await showOwn();
      updateCount();
      // A closed thread says so instead of offering a form whose post would be refused.
      respond.hidden = locked;
      closed.hidden = !locked;
    } catch (err) {
      heading.textContent = s.comments;
      // A site the server does not serve gets no form to fill in vain, and no retry: only its owner can fix it.
      const refused = err instanceof ApiError && err.code === 'origin_not_allowed';
      respond.hidden = refused;
      if (refused) {
        console.warn(
          `Parley: the comment server refuses this site (${location.origin}). Add it to ALLOWED_ORIGINS in the server's configuration.`,
        );
      }
      loadError.replaceChildren(
        h('span', {}, errorText(err, s.loadFailed), ' '),
        refused ? '' : h('button', { type: 'button', class: 'link', onclick: () => void load() }, s.retry),
      );
      loadError.hidden = false;
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  /** The author's own comments that readers cannot see yet (held), from the edit tokens kept in this browser. */
  async function showOwn(): Promise<void> {
    const own = key ? ownIn(key) : [];
    if (own.length === 0) return;
    try {
      const res = await api.mine(own.map((x) => ({ id: x.id, editToken: x.token })));
      const alive = new Set(res.comments.map((c) => c.id));
      for (const x of own) if (!alive.has(x.id)) dropOwn(x.id);
      // A held comment approved since: its author is now a returning commenter.
      for (const c of res.comments) {
        const email = own.find((x) => x.id === c.id)?.email;
        if (c.commenterToken && email) keepTrust(email, c.commenterToken);
      }
      for (const c of res.comments.sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
        if (!items.has(c.id) && c.status === 'pending') place({ ...c, replies: [] });
      }
    } catch {
      // Not essential: the thread itself is shown.
    }
  }

  async function loadMore(): Promise<void> {
    if (!cursor || more.hasAttribute('aria-disabled')) return;
    more.setAttribute('aria-disabled', 'true');
    try {
      const page = await api.thread(sel, sort, cursor);
      count = page.thread.commentCount;
      const added = addPage(page.comments);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      updateCount();
      if (!cursor) (added[0]?.firstElementChild as HTMLElement | null)?.focus();
    } catch (err) {
      say(errorText(err, s.loadFailed), true);
    } finally {
      more.removeAttribute('aria-disabled');
    }
  }

  async function setSort(v: Sort): Promise<void> {
    if (v === sort) return;
    sort = v;
    sortButtons.forEach((b, i) => b.setAttribute('aria-pressed', String((i === 0 ? 'oldest' : 'newest') === v)));
    cancelReply(false);
    await load();
  }

  // ---- reply ----
  function openReply(id: string): void {
    const it = items.get(id);
    if (!it) return;
    replyTo = id;
    it.li.insertBefore(respond, it.kids);
    title.textContent = fill(s.replyTo, 'name', it.c.author?.name ?? '');
    cancel.hidden = false;
    fields.body.focus();
  }

  function cancelReply(focusBack: boolean): void {
    const id = replyTo;
    replyTo = null;
    section.append(respond);
    title.textContent = s.leave;
    cancel.hidden = true;
    if (focusBack && id) items.get(id)?.li.querySelector<HTMLElement>('.rp')?.focus();
  }

  // ---- the form ----
  function values(): Record<Field, string> {
    let website = fields.website.value.trim();
    // People type "example.org"; the server wants a full http(s) URL.
    if (website && !/^[a-z][a-z0-9+.-]*:/i.test(website)) website = `https://${website}`;
    return { name: fields.name.value.trim(), email: fields.email.value.trim(), website, body: fields.body.value.trim() };
  }

  function currentErrors(): Errors {
    const e: Errors = {};
    for (const f of FIELDS) if (fields[f].getAttribute('aria-invalid') === 'true') e[f] = errs[f].dataset.code ?? 'invalid';
    return e;
  }

  function message(f: Field, code: string): string {
    const k = `${code}_${f}` as keyof Strings;
    if (code === 'too_long') return s.too_long;
    return typeof s[k] === 'string' ? (s[k] as string) : s.invalid;
  }

  function showErrors(e: Errors): void {
    for (const f of FIELDS) {
      const code = e[f];
      const el = fields[f];
      const p = errs[f];
      p.hidden = !code;
      p.textContent = code ? message(f, code) : '';
      if (code) p.dataset.code = code;
      attr(el, 'aria-invalid', code ? 'true' : null);
      const described = [f === 'email' ? 'notes' : f === 'body' ? 'hint' : '', code ? `e-${f}` : ''].filter(Boolean).join(' ');
      attr(el, 'aria-describedby', described || null);
    }
  }

  function focusFirstError(e: Errors): void {
    const first = FIELDS.find((f) => e[f]);
    if (first) fields[first].focus();
  }

  function errorText(err: unknown, fallback = s.generic): string {
    if (err instanceof NetworkError) return s.offline;
    if (err instanceof ApiError) {
      const k = err.code as keyof Strings;
      if (err.code !== 'validation_failed' && typeof s[k] === 'string') return s[k] as string;
    }
    return fallback;
  }

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    if (busy) return;
    const v = values();
    // A signed-in commenter writes only the comment.
    const bad = validate(me ? { ...v, name: '-', email: 'a@b.cd', website: '' } : v);
    showErrors(bad);
    if (Object.keys(bad).length > 0) {
      say(s.fix, true);
      focusFirstError(bad);
      return;
    }
    busy = true;
    submitBtn.setAttribute('aria-disabled', 'true');
    submitBtn.textContent = s.sending;
    say('');
    try {
      if (!token || Date.now() - tokenAt > TOKEN_REFRESH_MS) await fetchToken();
      // A post sooner than the server's minimum after the token was issued would be held: wait out the rest.
      if (token) await sleep(tokenAt + token.minSubmitSeconds * 1000 - Date.now());
      const trust = trustFor(v.email);
      // The same key while the same comment is retried; a new one once anything in it changes.
      const what = JSON.stringify([key, replyTo, v.email, v.body]);
      if (!attempt || attempt.what !== what) attempt = { what, key: newAttemptKey() };
      const res = await api.post({
        ...sel,
        ...(me ? {} : { name: v.name, email: v.email }),
        ...(v.website && !me ? { website: v.website } : {}),
        body: v.body,
        ...(replyTo ? { parentId: replyTo } : {}),
        ...(token ? { formToken: token.token } : {}),
        ...(trust ? { commenterToken: trust } : {}),
        ...(notify.checked && !notifyRow.hidden ? { notifyReplies: true, lang: o.lang } : {}),
        idempotencyKey: attempt.key,
        [honeypot.name]: honeypot.value,
      }, me?.session);
      attempt = null;
      if (res.commenterToken) keepTrust(v.email, res.commenterToken);
      if (key) putOwn({ id: res.comment.id, token: res.editToken, thread: key, at: Date.now(), body: v.body, email: normEmail(v.email) });
      if (!me) saveAuthor(remember.checked ? { name: v.name, email: v.email, website: v.website } : null);
      if (res.status === 'approved') count += 1;
      fields.body.value = '';
      cancelReply(false);
      const li = place({ ...res.comment, status: res.status, replies: [] });
      updateCount();
      say(res.status === 'pending' ? s.awaiting : s.posted);
      (li.firstElementChild as HTMLElement).focus();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') {
        const shown: Errors = {};
        for (const f of FIELDS) if (err.fields[f]) shown[f] = err.fields[f];
        showErrors(shown);
        say(Object.keys(shown).length > 0 ? s.fix : s.generic, true);
        focusFirstError(shown);
      } else {
        // An expired or revoked session: sign out, keep the text.
        if (err instanceof ApiError && err.code === 'sign_in_required') setMe(null);
        say(errorText(err), true);
      }
    } finally {
      busy = false;
      submitBtn.removeAttribute('aria-disabled');
      submitBtn.textContent = s.submit;
    }
  }

  async function preview(): Promise<void> {
    const text = fields.body.value.trim();
    if (!text) {
      showErrors({ ...currentErrors(), body: 'required' });
      fields.body.focus();
      return;
    }
    try {
      const res = await api.preview(text);
      // Sanitised by the server like a published comment's html (article()).
      previewBox.innerHTML = res.html;
      previewBox.hidden = false;
      previewBox.focus();
    } catch (err) {
      say(errorText(err), true);
    }
  }

  // ---- the author's own comments ----
  function startEdit(id: string): void {
    const it = items.get(id);
    const own = findOwn(id);
    const art = it?.li.firstElementChild as HTMLElement | undefined;
    if (!it || !own || !art || art.querySelector('form')) return;
    const body = art.querySelector<HTMLElement>('.body')!;
    const acts = art.querySelector<HTMLElement>('.acts')!;
    const ta = h('textarea', { id: `ed-${id}`, rows: 5, required: true });
    ta.value = own.body || body.textContent || '';
    const err = h('p', { id: `ee-${id}`, class: 'err', hidden: true });
    const close = (focusArticle: boolean) => {
      edit.remove();
      body.hidden = false;
      acts.hidden = false;
      if (focusArticle) art.focus();
    };
    const edit = h(
      'form',
      {
        class: 'ed-form',
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          void save();
        },
      },
      h('label', { for: `ed-${id}`, class: 'vh' }, s.editLabel),
      ta,
      err,
      h('div', { class: 'acts' }, h('button', { type: 'submit', class: 'btn' }, s.save), h('button', { type: 'button', class: 'btn2', onclick: () => close(true) }, s.cancel)),
    );
    const save = async () => {
      const text = ta.value.trim();
      const code = !text ? 'required' : chars(text) > MAX.body ? 'too_long' : null;
      err.hidden = !code;
      err.textContent = code ? message('body', code) : '';
      attr(ta, 'aria-invalid', code ? 'true' : null);
      attr(ta, 'aria-describedby', code ? `ee-${id}` : null);
      if (code) {
        ta.focus();
        return;
      }
      try {
        const res = await api.edit(id, own.token, text);
        putOwn({ ...own, body: text });
        it.c = { ...res.comment, status: res.status, replies: it.c.replies ?? [] };
        rerender(id);
        say(s.updatedMsg);
        (it.li.firstElementChild as HTMLElement).focus();
      } catch (e) {
        if (ownGone(e, id)) return;
        err.hidden = false;
        err.textContent = errorText(e);
        ta.focus();
      }
    };
    body.hidden = true;
    acts.hidden = true;
    art.append(edit);
    ta.focus();
  }

  /** The server no longer lets this token change the comment: stop offering it, and say why. */
  function ownGone(e: unknown, id: string): boolean {
    if (!(e instanceof ApiError) || !['edit_window_closed', 'comment_not_found', 'forbidden'].includes(e.code)) return false;
    const own = findOwn(id);
    if (own) {
      if (e.code === 'edit_window_closed') putOwn({ ...own, closed: true });
      else dropOwn(id);
    }
    rerender(id);
    say(errorText(e), true);
    (items.get(id)?.li.firstElementChild as HTMLElement | undefined)?.focus();
    return true;
  }

  async function remove(id: string): Promise<void> {
    const it = items.get(id);
    const own = findOwn(id);
    if (!it || !own || !window.confirm(s.confirmDel)) return;
    try {
      await api.remove(id, own.token);
    } catch (e) {
      if (!ownGone(e, id)) say(errorText(e), true);
      return;
    }
    dropOwn(id);
    if (replyTo === id) cancelReply(false);
    if (it.c.status !== 'pending') count -= 1;
    if (it.kids.children.length > 0) {
      it.c = { ...it.c, deleted: true, author: null };
      rerender(id);
    } else {
      it.li.remove();
      items.delete(id);
      extras.delete(id);
    }
    updateCount();
    say(s.deletedMsg);
    heading.focus();
  }

  // Relative dates stay true while the page is open.
  setInterval(() => {
    for (const t of root.querySelectorAll('time')) t.textContent = relativeTime(o.lang, t.dateTime);
  }, 60_000);

  // ---- signing in ----
  function setMe(k: Kept | null): void {
    me = k;
    saveSession(k);
    if (!k) {
      mePanel.replaceChildren();
      meBtn.setAttribute('aria-expanded', 'false');
    }
    renderId();
  }

  /** Ends the session on the server too (best effort: the browser forgets it either way). */
  function signOut(): void {
    if (me) api.signOut(me.session).catch(() => undefined);
    setMe(null);
  }

  let meJs: Promise<unknown> | undefined;
  /** "My comments": me.js (next to embed.js, with the hash and integrity the build wrote in) renders and toggles it. */
  async function openMe(): Promise<void> {
    try {
      await (meJs ??= new Promise((onload, onerror) =>
        document.head.append(h('script', { src: new URL(`../${__PARLEY_ME__.path}`, o.apiBase).href, integrity: __PARLEY_ME__.integrity, crossorigin: 'anonymous', onload, onerror })),
      ));
    } catch {
      meJs = undefined;
      return say(s.offline, true);
    }
    if (me) window.parleyMe?.({ root: mePanel, button: meBtn, apiBase: o.apiBase, session: me.session, lang: o.lang, onDeleted: load, onSignedOut: () => setMe(null) });
  }

  function renderId(): void {
    const oidc = token?.signIn?.oidc;
    const closedToGuests = token?.signIn?.guests === false && !me;
    for (const el of guest) el.hidden = !!me || closedToGuests;
    for (const el of writing.slice(0, 2).concat(writing[3]!)) el.hidden = closedToGuests;
    idBar.hidden = !me && !oidc && !closedToGuests;
    idBar.replaceChildren(
      ...(me
        ? [fill(s.signedIn, 'name', me.commenter.name), ' ', meBtn, ' ', h('button', { type: 'button', class: 'link', onclick: signOut }, s.signOut)]
        : [closedToGuests ? `${s.signInFirst} ` : '', oidc ? h('button', { type: 'button', class: 'link', onclick: () => void window.open(`${oidc}?origin=${encodeURIComponent(location.origin)}`, 'parley', 'popup,width=480,height=640') }, s.signIn) : '']),
    );
  }

  // The OpenID popup posts the session from the API's own origin; nothing else is listened to.
  window.addEventListener('message', (e: MessageEvent<{ type?: string } & Kept>) => {
    if (e.origin === apiOrigin && e.data?.type === 'parley:session') setMe({ session: e.data.session, expiresAt: e.data.expiresAt, commenter: e.data.commenter });
  });

  /** The site's signed payload: traded once for a session (a payload is single-use), kept until it expires. */
  async function useSso(t: string | null): Promise<void> {
    if (!t) return signOut();
    if (me?.sso === t) return;
    try {
      setMe({ ...(await api.sso(t)), sso: t });
    } catch (err) {
      say(errorText(err), true);
    }
  }

  renderId();
  if (o.sso) void useSso(o.sso);
  else if (o.sso === '' && me?.sso) signOut();
  void load();
  return { setSso: (t) => void useSso(t) };
}

/** 128 random bits, base64url: an idempotency key for one comment. */
function newAttemptKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
