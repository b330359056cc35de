/**
 * The moderation page: signs in with a moderator token (kept in sessionStorage), works the queue through the admin
 * API only. Comment text is the server's sanitised HTML; everything else is set as text, never as markup.
 */
import type { AdminComment, AdminQueueResponse } from '../../src/http/admin-dto.js';
import { ADMIN_CSS } from './styles.js';

type Status = AdminComment['status'];
type Action = 'approve' | 'reject' | 'spam' | 'ham' | 'delete' | 'restore';

const STATUSES: Status[] = ['pending', 'spam', 'approved', 'rejected', 'deleted'];
const ACTIONS_FOR: Record<Status, Action[]> = {
  pending: ['approve', 'reject', 'spam', 'delete'],
  approved: ['reject', 'spam', 'delete'],
  spam: ['ham', 'reject', 'delete'],
  rejected: ['approve', 'spam', 'delete'],
  deleted: ['restore'],
};
const LABEL: Record<Action, string> = { approve: 'Approve', reject: 'Reject', spam: 'Spam', ham: 'Not spam', delete: 'Delete', restore: 'Restore' };
const KEYS: Record<string, Action> = { a: 'approve', r: 'reject', s: 'spam', d: 'delete' };
const TOKEN_KEY = 'parley.admin.token';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface State {
  token: string | null;
  status: Status;
  comments: AdminComment[];
  counts: Record<Status, number> | null;
  nextCursor: string | null;
  selected: Set<string>;
  focus: number;
  search: string;
}

const state: State = {
  token: sessionStorage.getItem(TOKEN_KEY),
  status: 'pending',
  comments: [],
  counts: null,
  nextCursor: null,
  selected: new Set(),
  focus: 0,
  search: '',
};

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${state.token ?? ''}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    credentials: 'omit',
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new HttpError(res.status, json.error?.code ?? 'error', json.error?.message ?? `HTTP ${res.status}`);
  return json as T;
}

const root = document.getElementById('app')!;
const live = h('div', { class: 'live', role: 'status', 'aria-live': 'polite' });

function announce(text: string, isError = false): void {
  live.textContent = text;
  live.classList.toggle('error', isError);
}

function fail(err: unknown): void {
  if (err instanceof HttpError && err.status === 401) {
    signOut('That token was not accepted.');
    return;
  }
  announce(err instanceof Error ? err.message : String(err), true);
}

function signOut(message = ''): void {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  renderSignIn(message);
}

function renderSignIn(message = ''): void {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'current-password', required: '', 'aria-describedby': 'token-help' });
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Parley moderation'),
    h('label', { for: 'token' }, 'Moderator token'),
    input,
    h('p', { id: 'token-help', class: 'help' }, 'Kept in this tab only (sessionStorage) and sent to this server only.'),
    h('button', { type: 'submit' }, 'Sign in'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = input.value.trim();
    sessionStorage.setItem(TOKEN_KEY, state.token);
    void load(true);
  });
  root.replaceChildren(form);
  input.focus();
}

function commentCard(c: AdminComment, index: number): HTMLElement {
  const checkbox = h('input', { type: 'checkbox', 'aria-label': `Select comment by ${c.author.name || 'unknown'}` });
  checkbox.checked = state.selected.has(c.id);
  checkbox.addEventListener('change', () => {
    if (checkbox.checked) state.selected.add(c.id);
    else state.selected.delete(c.id);
    renderToolbar();
  });
  // The server's sanitised HTML is the only markup the page renders.
  const text = h('div', { class: 'text' });
  text.innerHTML = c.html;
  // An edit held for moderation: show what it replaced beside it.
  let before: HTMLElement | null = null;
  if (c.previousHtml !== null && c.status !== 'approved' && c.history.at(-1)?.by === 'author') {
    const old = h('div', { class: 'text before' });
    old.innerHTML = c.previousHtml;
    before = h('div', { class: 'edit' }, h('div', { class: 'meta' }, 'Before the edit:'), old, h('div', { class: 'meta' }, 'After:'));
  }

  const thread = c.threadUrl ? h('a', { href: c.threadUrl, rel: 'noopener noreferrer', target: '_blank' }, c.threadUrl) : h('span', {}, c.threadKey);
  const website = c.author.website ? h('a', { href: c.author.website, rel: 'nofollow noopener noreferrer', target: '_blank' }, c.author.website) : null;
  const actions = h('div', { class: 'actions' });
  for (const action of ACTIONS_FOR[c.status]) {
    const b = h('button', { type: 'button', class: `act ${action}`, 'data-action': action }, LABEL[action]);
    b.addEventListener('click', () => void act([c.id], action));
    actions.append(b);
  }
  const lock = h('button', { type: 'button', class: 'link' }, 'Lock thread');
  lock.addEventListener('click', () => void lockThread(c));
  const ban = h('button', { type: 'button', class: 'link' }, 'Ban author');
  ban.addEventListener('click', () => void banAuthor(c));
  const banIp = h('button', { type: 'button', class: 'link' }, 'Ban IP');
  banIp.addEventListener('click', () => void banBy('ip', c.ip));
  const banDomain = h('button', { type: 'button', class: 'link' }, 'Ban domain');
  banDomain.addEventListener('click', () => void banBy('domain', c.author.email ? c.author.email.slice(c.author.email.lastIndexOf('@') + 1) : null));

  const card = h(
    'article',
    { class: `comment${index === state.focus ? ' focused' : ''}`, 'data-id': c.id, tabindex: '-1', 'aria-label': `Comment by ${c.author.name || 'unknown'}` },
    h('div', { class: 'select' }, checkbox),
    h(
      'div',
      { class: 'body' },
      h('div', { class: 'thread' }, 'On ', thread),
      h(
        'div',
        { class: 'who' },
        h('strong', {}, c.author.name || '(erased)'),
        ' ',
        h('span', { class: 'email' }, c.author.email || '—'),
        website ? ' · ' : '',
        website,
      ),
      h('div', { class: 'meta' }, [new Date(c.createdAt).toLocaleString(), `IP ${c.ip ?? 'erased'}`, c.userAgent].filter(Boolean).join(' · ')),
      reasonsOf(c),
      parentOf(c),
      before,
      text,
      c.history.length > 0 ? h('div', { class: 'meta' }, `Edited ${c.history.length}×`) : null,
      actions,
      h('div', { class: 'more' }, lock, ban, banIp, banDomain),
    ),
  );
  return card;
}

const CHECK_TEXT: Record<AdminComment['spam']['check'], string> = {
  none: '',
  checked: 'Spam checks done',
  unchecked: 'Waiting for the spam service',
};

/** Why it was held or marked spam, in words (the codes stay in a title for anyone who wants them). */
function reasonsOf(c: AdminComment): HTMLElement | null {
  if (c.spam.reasons.length === 0 && c.spam.check !== 'unchecked') return null;
  const words = c.spam.reasonText.length > 0 ? c.spam.reasonText.join('; ') : '';
  const lead = c.spam.check === 'unchecked' ? `${CHECK_TEXT.unchecked}${words ? ': ' : ''}` : 'Why: ';
  return h('div', { class: 'reasons', title: c.spam.reasons.join(', ') }, `${lead}${words}`);
}

/** Where /threads/html shows a comment (the no-JavaScript thread page has an anchor per comment). */
function threadPageLink(c: AdminComment, commentId: string): string {
  const q = new URLSearchParams(c.threadUrl ? { url: c.threadUrl } : { threadId: c.threadKey.replace(/^id:/, '') });
  return `/threads/html?${q.toString()}#c-${encodeURIComponent(commentId)}`;
}

/** A reply shows what it answers. */
function parentOf(c: AdminComment): HTMLElement | null {
  if (!c.parentId) return null;
  if (!c.parent) return h('div', { class: 'parent' }, 'In reply to a comment that no longer exists.');
  const p = c.parent;
  return h(
    'blockquote',
    { class: 'parent' },
    h('div', { class: 'meta' }, 'In reply to ', h('strong', {}, p.author || '(erased)'), p.status === 'approved' ? '' : ` (${p.status})`, ' · ', h('a', { href: threadPageLink(c, p.id), target: '_blank', rel: 'noopener noreferrer' }, 'view in thread')),
    h('p', {}, p.excerpt || '[deleted]'),
  );
}

let toolbar: HTMLElement = h('div');
function renderToolbar(): void {
  const n = state.selected.size;
  const next = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Selected comments' });
  const all = h('button', { type: 'button', class: 'link' }, n === state.comments.length && n > 0 ? 'Select none' : 'Select all');
  all.addEventListener('click', () => {
    if (state.selected.size === state.comments.length) state.selected.clear();
    else for (const c of state.comments) state.selected.add(c.id);
    renderList();
  });
  next.append(all, h('span', { class: 'count' }, `${n} selected`));
  for (const action of ACTIONS_FOR[state.status]) {
    const b = h('button', { type: 'button', class: `act ${action}` }, `${LABEL[action]} selected`);
    b.disabled = n === 0;
    b.addEventListener('click', () => void act([...state.selected], action));
    next.append(b);
  }
  toolbar.replaceWith(next);
  toolbar = next;
}

let list: HTMLElement = h('div');
function renderList(): void {
  const next = h('div', { class: 'list' });
  if (state.comments.length === 0) next.append(h('p', { class: 'empty' }, `No ${state.status} comments.`));
  state.comments.forEach((c, i) => next.append(commentCard(c, i)));
  if (state.nextCursor) {
    const more = h('button', { type: 'button', class: 'more-btn' }, 'Load more');
    more.addEventListener('click', () => void load(false));
    next.append(more);
  }
  list.replaceWith(next);
  list = next;
  renderToolbar();
}

function renderShell(): void {
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Comment status' });
  for (const s of STATUSES) {
    const count = state.counts ? ` (${state.counts[s]})` : '';
    const tab = h('button', { type: 'button', role: 'tab', 'aria-selected': String(s === state.status), 'data-status': s }, `${s[0]!.toUpperCase()}${s.slice(1)}${count}`);
    tab.addEventListener('click', () => {
      state.status = s;
      void load(true);
    });
    tabs.append(tab);
  }
  const search = h('input', { type: 'search', placeholder: 'Search text, name or email', 'aria-label': 'Search' });
  search.value = state.search;
  search.addEventListener('change', () => {
    state.search = search.value.trim();
    void load(true);
  });
  const out = h('button', { type: 'button', class: 'link' }, 'Sign out');
  out.addEventListener('click', () => signOut());
  const help = h('p', { class: 'help' }, 'Keys: j/k move · a approve · r reject · s spam · d delete · x select');
  root.replaceChildren(h('header', {}, h('h1', {}, 'Parley moderation'), search, out), tabs, help, live, toolbar, list);
  renderList();
}

async function load(reset: boolean): Promise<void> {
  if (!state.token) return renderSignIn();
  try {
    const params = new URLSearchParams({ status: state.status, limit: '50' });
    if (state.search) params.set('q', state.search);
    if (!reset && state.nextCursor) params.set('cursor', state.nextCursor);
    const page = await api<AdminQueueResponse>('GET', `/comments?${params.toString()}`);
    state.comments = reset ? page.comments : [...state.comments, ...page.comments];
    state.counts = page.counts;
    state.nextCursor = page.nextCursor;
    if (reset) {
      state.selected.clear();
      state.focus = 0;
    }
    renderShell();
  } catch (err) {
    fail(err);
  }
}

async function act(ids: string[], action: Action): Promise<void> {
  if (ids.length === 0) return;
  try {
    if (ids.length === 1) await api('POST', `/comments/${encodeURIComponent(ids[0]!)}/${action}`, {});
    else await api('POST', '/comments/bulk', { ids, action });
    announce(`${LABEL[action]}: ${ids.length} comment${ids.length === 1 ? '' : 's'}.`);
    const keepFocus = state.focus;
    await load(true);
    state.focus = Math.min(keepFocus, Math.max(0, state.comments.length - 1));
    renderList();
    focusCard();
  } catch (err) {
    fail(err);
  }
}

async function lockThread(c: AdminComment): Promise<void> {
  const query = c.threadUrl ? `url=${encodeURIComponent(c.threadUrl)}` : `threadId=${encodeURIComponent(c.threadKey.replace(/^id:/, ''))}`;
  try {
    await api('PUT', `/threads?${query}`, { locked: true });
    announce('Thread locked: it stays readable and takes no new comments.');
  } catch (err) {
    fail(err);
  }
}

async function banAuthor(c: AdminComment): Promise<void> {
  if (!c.author.email) return announce('This author has been erased; nothing to ban.', true);
  const reason = window.prompt(`Ban ${c.author.email}? Reason (optional):`, '');
  if (reason === null) return;
  try {
    await api('POST', '/bans', { email: c.author.email, reason });
    announce('Author banned: their new comments will be refused.');
  } catch (err) {
    fail(err);
  }
}

/** The moderator may edit the value: widen an IP to a prefix (`2001:db8::/48`), or a subdomain to its parent. */
async function banBy(kind: 'ip' | 'domain', value: string | null): Promise<void> {
  if (!value) return announce(`No ${kind === 'ip' ? 'IP' : 'email domain'} is kept for this comment; nothing to ban.`, true);
  const hint = kind === 'ip' ? 'an address bans its /64 for IPv6; add /NN for a prefix' : 'its subdomains are banned too';
  const target = window.prompt(`Ban this ${kind === 'ip' ? 'IP' : 'domain'} (${hint}):`, value);
  if (target === null || target.trim() === '') return;
  const reason = window.prompt('Reason (optional):', '');
  if (reason === null) return;
  try {
    await api('POST', '/bans', { [kind]: target.trim(), reason });
    announce(kind === 'ip' ? 'IP banned: new comments from it will be refused.' : 'Domain banned: new comments from its addresses will be refused.');
  } catch (err) {
    fail(err);
  }
}

function focusCard(): void {
  const cards = list.querySelectorAll<HTMLElement>('article.comment');
  cards.forEach((el, i) => el.classList.toggle('focused', i === state.focus));
  cards[state.focus]?.focus();
}

document.addEventListener('keydown', (e) => {
  if (!state.token || e.ctrlKey || e.metaKey || e.altKey) return;
  const target = e.target as HTMLElement;
  if (target.tagName === 'INPUT' && (target as HTMLInputElement).type !== 'checkbox') return;
  if (target.tagName === 'TEXTAREA') return;
  const current = state.comments[state.focus];
  if (e.key === 'j' || e.key === 'k') {
    state.focus = Math.max(0, Math.min(state.comments.length - 1, state.focus + (e.key === 'j' ? 1 : -1)));
    focusCard();
  } else if (e.key === 'x' && current) {
    if (state.selected.has(current.id)) state.selected.delete(current.id);
    else state.selected.add(current.id);
    renderList();
    focusCard();
  } else if (KEYS[e.key] && current && ACTIONS_FOR[current.status].includes(KEYS[e.key]!)) {
    void act([current.id], KEYS[e.key]!);
  } else {
    return;
  }
  e.preventDefault();
});

const sheet = new CSSStyleSheet();
sheet.replaceSync(ADMIN_CSS);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

if (state.token) void load(true);
else renderSignIn();
