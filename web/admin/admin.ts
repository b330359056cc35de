/**
 * The moderation page: signs in with a moderator account (email and password: an HttpOnly session cookie, plus the
 * CSRF token kept in memory and sent as X-CSRF-Token), or with an automation token (kept in sessionStorage); works
 * the queue through the admin API only. Comment text is the server's sanitised HTML; everything else is set as text, never as markup.
 */
import type { AdminAuditEntry, AdminBan, AdminComment, AdminQueueResponse, AdminThread } from '../../src/http/admin/dto.js';
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

type View = 'queue' | 'threads' | 'bans' | 'audit' | 'people';
const VIEWS: [View, string][] = [
  ['queue', 'Comments'],
  ['threads', 'Threads'],
  ['bans', 'Bans'],
  ['audit', 'Audit log'],
  ['people', 'People'],
];

interface State {
  token: string | null;
  /** Signed in with an account: the session's CSRF token (the session id itself is an HttpOnly cookie). */
  csrf: string | null;
  role: 'admin' | 'moderator';
  view: View;
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
  csrf: null,
  role: 'admin',
  view: 'queue',
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

const signedIn = () => state.token !== null || state.csrf !== null;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const auth: Record<string, string> = state.token ? { Authorization: `Bearer ${state.token}` } : method === 'GET' ? {} : { 'X-CSRF-Token': state.csrf ?? '' };
  const res = await fetch(`/api/v1/admin${path}`, {
    method,
    headers: { ...auth, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    // The session cookie goes with account sign-ins only; a token needs none.
    credentials: state.token ? 'omit' : 'same-origin',
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
    void signOut(state.token ? 'That token was not accepted.' : 'Your session has ended. Please sign in again.');
    return;
  }
  announce(err instanceof Error ? err.message : String(err), true);
}

interface SessionInfo {
  moderator: { id: string | null; name: string; role: 'admin' | 'moderator' };
  csrfToken: string | null;
}

async function signOut(message = ''): Promise<void> {
  // An account's session is revoked on the server too (the cookie is HttpOnly: only the server can clear it).
  if (state.csrf) await api('DELETE', '/session').catch(() => undefined);
  state.token = null;
  state.csrf = null;
  sessionStorage.removeItem(TOKEN_KEY);
  renderSignIn(message);
}

function renderSignIn(message = ''): void {
  const email = h('input', { id: 'email', type: 'email', autocomplete: 'username' });
  const password = h('input', { id: 'password', type: 'password', autocomplete: 'current-password' });
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', 'aria-describedby': 'token-help' });
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Parley moderation'),
    h('label', { for: 'email' }, 'Email'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    h('label', { for: 'token' }, 'Or a moderator token'),
    input,
    h('p', { id: 'token-help', class: 'help' }, 'For ADMIN_TOKEN setups: kept in this tab only (sessionStorage) and sent to this server only.'),
    h('button', { type: 'submit' }, 'Sign in'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (email.value.trim() !== '' || password.value !== '') {
      void (async () => {
        try {
          const me = await api<SessionInfo>('POST', '/session', { email: email.value.trim(), password: password.value });
          state.csrf = me.csrfToken;
          state.role = me.moderator.role;
          await load(true);
        } catch (err) {
          renderSignIn(err instanceof HttpError && err.status === 401 ? 'Wrong email or password.' : err instanceof Error ? err.message : String(err));
        }
      })();
      return;
    }
    state.token = input.value.trim();
    state.role = 'admin';
    sessionStorage.setItem(TOKEN_KEY, state.token);
    void load(true);
  });
  root.replaceChildren(form);
  email.focus();
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
  lock.addEventListener('click', () => void lockThread(threadSelector(c), true));
  const ban = h('button', { type: 'button', class: 'link' }, 'Ban…');
  ban.addEventListener('click', () => openBanDialog(banSuggestion(c)));
  const edit = h('button', { type: 'button', class: 'link' }, 'Edit');
  const reply = h('button', { type: 'button', class: 'link' }, 'Reply');
  const composer = h('div', { class: 'composer' });
  edit.addEventListener('click', () => openComposer(composer, c, 'edit'));
  reply.addEventListener('click', () => openComposer(composer, c, 'reply'));
  const more = h('div', { class: 'more' }, c.status === 'deleted' ? null : reply, c.status === 'deleted' ? null : edit, lock, ban);

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
        c.author.moderator ? h('span', { class: 'badge' }, 'Moderator') : null,
        c.author.moderator ? ' ' : null,
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
      more,
      composer,
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
  const q = new URLSearchParams(threadSelector(c));
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

/** Header and section navigation, shared by every view; `content` is the view itself. */
function frame(...content: (Node | null)[]): void {
  const nav = h('nav', { class: 'views', 'aria-label': 'Sections' });
  for (const [v, label] of VIEWS) {
    // Bans and a person's data are for admins (the API answers 403 role_required to a moderator).
    if (state.role !== 'admin' && (v === 'bans' || v === 'people')) continue;
    const b = h('button', { type: 'button', 'data-view': v, ...(v === state.view ? { 'aria-current': 'page' } : {}) }, label);
    b.addEventListener('click', () => void show(v));
    nav.append(b);
  }
  const out = h('button', { type: 'button', class: 'link' }, 'Sign out');
  out.addEventListener('click', () => void signOut());
  root.replaceChildren(h('header', {}, h('h1', {}, 'Parley moderation'), out), nav, live, ...content.filter((n): n is Node => n !== null));
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
  const search = h('input', { type: 'search', placeholder: 'Search text, name or email', 'aria-label': 'Search comments' });
  search.value = state.search;
  search.addEventListener('change', () => {
    state.search = search.value.trim();
    void load(true);
  });
  // Hidden on touch screens (styles.ts: @media (hover: none)), where there is no keyboard to use it.
  const help = h('p', { class: 'help keys' }, 'Keys: j/k move · a approve · r reject · s spam · d delete · x select');
  frame(h('div', { class: 'search' }, search), tabs, help, toolbar, list);
  renderList();
}

async function show(view: View): Promise<void> {
  state.view = view;
  announce('');
  if (view === 'queue') return load(true);
  try {
    if (view === 'threads') await renderThreads();
    else if (view === 'bans') await renderBans();
    else if (view === 'audit') await renderAudit();
    else renderPeople();
  } catch (err) {
    fail(err);
  }
}

// ---- editing and replying from a card ----

function openComposer(slot: HTMLElement, c: AdminComment, mode: 'edit' | 'reply'): void {
  const id = `${mode}-${c.id}`;
  const area = h('textarea', { id, rows: '5', required: '' });
  if (mode === 'edit') area.value = c.body;
  const reason = mode === 'edit' ? h('input', { id: `${id}-why`, type: 'text', maxlength: '500' }) : null;
  const save = h('button', { type: 'submit', class: 'act approve' }, mode === 'edit' ? 'Save edit' : 'Publish reply');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form',
    { class: 'compose' },
    h('label', { for: id }, mode === 'edit' ? 'Edit the comment (Markdown)' : `Reply to ${c.author.name || 'this comment'} as a moderator (published at once)`),
    area,
    reason ? h('label', { for: `${id}-why` }, 'Reason for the edit (optional, kept in the audit log)') : null,
    reason,
    h('div', { class: 'actions' }, save, cancel),
  );
  cancel.addEventListener('click', () => slot.replaceChildren());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        if (mode === 'edit') {
          await api('PATCH', `/comments/${encodeURIComponent(c.id)}`, { body: area.value, ...(reason?.value.trim() ? { reason: reason.value.trim() } : {}) });
          announce('Comment edited.');
        } else {
          await api('POST', `/comments/${encodeURIComponent(c.id)}/reply`, { body: area.value });
          announce('Reply published.');
        }
        await load(true);
      } catch (err) {
        fail(err);
      }
    })();
  });
  slot.replaceChildren(form);
  area.focus();
}

// ---- threads ----

type ThreadSelector = { url: string } | { threadId: string };

/**
 * How the admin API names a thread: `id:` keys by their id, others by URL (the key itself is the normalised URL while
 * the thread has no published comment and so no `url` of its own).
 */
function selectorOfKey(key: string, url: string | null): ThreadSelector {
  return key.startsWith('id:') ? { threadId: key.slice(3) } : { url: url ?? key };
}

function threadSelector(c: AdminComment): ThreadSelector {
  return selectorOfKey(c.threadKey, c.threadUrl);
}

async function lockThread(selector: ThreadSelector, locked: boolean): Promise<boolean> {
  try {
    await api('PUT', `/threads?${new URLSearchParams(selector).toString()}`, { locked });
    announce(locked ? 'Thread locked: it stays readable and takes no new comments.' : 'Thread unlocked: it takes comments again.');
    return true;
  } catch (err) {
    fail(err);
    return false;
  }
}

async function renderThreads(cursor: string | null = null, rows: AdminThread[] = []): Promise<void> {
  const params = new URLSearchParams({ limit: '50' });
  if (cursor) params.set('cursor', cursor);
  const page = await api<{ threads: AdminThread[]; nextCursor: string | null }>('GET', `/threads?${params.toString()}`);
  const all = [...rows, ...page.threads];
  const body = h('tbody');
  for (const t of all) {
    const selector = selectorOfKey(t.key, t.url);
    const toggle = h('button', { type: 'button' }, t.locked ? 'Unlock' : 'Lock');
    toggle.addEventListener('click', () => void lockThread(selector, !t.locked).then((ok) => (ok ? renderThreads() : undefined)));
    const counts = t.counts ? `${t.counts.approved} published · ${t.counts.pending} waiting · ${t.counts.spam} spam` : '';
    body.append(
      h(
        'tr',
        { 'data-key': t.key },
        h('td', {}, t.url ? h('a', { href: t.url, target: '_blank', rel: 'noopener noreferrer' }, t.url) : t.key.replace(/^id:/, 'id ')),
        h('td', {}, counts),
        h('td', {}, t.lastCommentAt ? new Date(t.lastCommentAt).toLocaleString() : '—'),
        h('td', {}, t.locked ? 'Locked' : 'Open'),
        h('td', {}, toggle),
      ),
    );
  }
  const more = page.nextCursor ? h('button', { type: 'button', class: 'more-btn' }, 'Load more') : null;
  more?.addEventListener('click', () => void renderThreads(page.nextCursor, all).catch(fail));
  frame(
    h('h2', {}, 'Threads'),
    h('p', { class: 'help' }, 'Most recently commented first. A locked thread stays readable and takes no new comments.'),
    all.length === 0
      ? h('p', { class: 'empty' }, 'No threads yet.')
      : h('table', {}, h('thead', {}, h('tr', {}, ...['Page', 'Comments', 'Last comment', 'State', 'Action'].map((x) => h('th', { scope: 'col' }, x)))), body),
    more,
  );
}

// ---- bans ----

interface BanDraft {
  kind: 'email' | 'ip' | 'domain';
  value: string;
  /** What a comment's card knows for each kind, filled in when the moderator switches kind. */
  known?: Partial<Record<'email' | 'ip' | 'domain', string>>;
}

function banSuggestion(c: AdminComment): BanDraft {
  const email = c.author.email || undefined;
  const known = { email, ip: c.ip ?? undefined, domain: email ? email.slice(email.lastIndexOf('@') + 1) : undefined };
  if (known.email) return { kind: 'email', value: known.email, known };
  if (known.ip) return { kind: 'ip', value: known.ip, known };
  return { kind: 'email', value: '', known };
}

const KIND_HELP: Record<BanDraft['kind'], string> = {
  email: 'Any case and any +tag of this address.',
  ip: 'One address (an IPv6 address bans its /64), or set a prefix to ban a range.',
  domain: 'Every address at this domain and its subdomains.',
};

let dialog: HTMLDialogElement | null = null;

/** A real dialog (not prompt()): kind, value, optional prefix for IPs, reason and expiry, and what the card suggests. */
function openBanDialog(draft: BanDraft = { kind: 'email', value: '' }): void {
  dialog?.remove();
  const kind = h('select', { id: 'ban-kind' });
  for (const [v, label] of [['email', 'Email address'], ['ip', 'IP address'], ['domain', 'Email domain']] as const) kind.append(h('option', { value: v }, label));
  kind.value = draft.kind;
  const value = h('input', { id: 'ban-value', type: 'text', required: '', autocomplete: 'off', 'aria-describedby': 'ban-kind-help' });
  value.value = draft.value;
  const kindHelp = h('p', { id: 'ban-kind-help', class: 'help' }, KIND_HELP[draft.kind]);
  const prefix = h('input', { id: 'ban-prefix', type: 'number', min: '1', max: '128', inputmode: 'numeric' });
  const prefixRow = h('div', { class: 'field' }, h('label', { for: 'ban-prefix' }, 'Prefix length (optional, e.g. 24 or 48)'), prefix);
  const reason = h('input', { id: 'ban-reason', type: 'text', maxlength: '500' });
  const expires = h('input', { id: 'ban-expires', type: 'datetime-local' });
  const error = h('p', { class: 'error', role: 'alert' });
  const sync = () => {
    const k = kind.value as BanDraft['kind'];
    kindHelp.textContent = KIND_HELP[k];
    prefixRow.hidden = k !== 'ip';
  };
  kind.addEventListener('change', () => {
    const known = draft.known?.[kind.value as BanDraft['kind']];
    if (known !== undefined) value.value = known;
    sync();
  });
  sync();
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: 'ban-title' }, 'Add a ban'),
    h('div', { class: 'field' }, h('label', { for: 'ban-kind' }, 'Ban by'), kind),
    h('div', { class: 'field' }, h('label', { for: 'ban-value' }, 'Value'), value, kindHelp),
    prefixRow,
    h('div', { class: 'field' }, h('label', { for: 'ban-reason' }, 'Reason (optional)'), reason),
    h('div', { class: 'field' }, h('label', { for: 'ban-expires' }, 'Ends (optional; empty: never)'), expires),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'act spam' }, 'Ban'), cancel),
  );
  const d = h('dialog', { 'aria-labelledby': 'ban-title' }, form);
  cancel.addEventListener('click', () => d.close());
  d.addEventListener('close', () => d.remove());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const k = kind.value as BanDraft['kind'];
    let target = value.value.trim();
    if (k === 'ip' && prefix.value.trim() && !target.includes('/')) target = `${target}/${prefix.value.trim()}`;
    const body: Record<string, string> = { [k]: target };
    if (reason.value.trim()) body.reason = reason.value.trim();
    if (expires.value) body.expiresAt = new Date(expires.value).toISOString();
    void (async () => {
      try {
        await api('POST', '/bans', body);
        d.close();
        announce(k === 'ip' ? 'IP banned: new comments from it will be refused.' : k === 'domain' ? 'Domain banned: new comments from its addresses will be refused.' : 'Author banned: their new comments will be refused.');
        if (state.view === 'bans') await renderBans();
      } catch (err) {
        if (err instanceof HttpError && err.status === 401) return fail(err);
        error.textContent = err instanceof Error ? err.message : String(err);
      }
    })();
  });
  document.body.append(d);
  dialog = d;
  d.showModal();
  value.focus();
}

const KIND_LABEL: Record<AdminBan['kind'], string> = { email: 'Email', ip: 'IP', domain: 'Domain' };

async function renderBans(): Promise<void> {
  const { bans } = await api<{ bans: AdminBan[] }>('GET', '/bans');
  const add = h('button', { type: 'button', class: 'act spam' }, 'Add a ban…');
  add.addEventListener('click', () => openBanDialog());
  const body = h('tbody');
  for (const b of bans) {
    const remove = h('button', { type: 'button' }, 'Remove');
    remove.addEventListener('click', () => {
      void (async () => {
        try {
          await api('DELETE', `/bans/${encodeURIComponent(b.id)}`);
          announce('Ban removed.');
          await renderBans();
        } catch (err) {
          fail(err);
        }
      })();
    });
    body.append(
      h(
        'tr',
        { 'data-id': b.id },
        h('td', {}, b.kind === 'ip' && b.prefix !== null ? `IP /${b.prefix}` : KIND_LABEL[b.kind]),
        h('td', {}, b.reason ?? '—'),
        h('td', {}, `${new Date(b.createdAt).toLocaleString()} by ${b.actor}`),
        h('td', {}, b.expiresAt ? new Date(b.expiresAt).toLocaleString() : 'Never'),
        h('td', {}, remove),
      ),
    );
  }
  frame(
    h('h2', {}, 'Bans'),
    h('p', { class: 'help' }, 'Only a keyed hash of what is banned is stored, so the address itself is not shown.'),
    add,
    bans.length === 0
      ? h('p', { class: 'empty' }, 'No bans.')
      : h('table', {}, h('thead', {}, h('tr', {}, ...['Kind', 'Reason', 'Added', 'Ends', 'Action'].map((x) => h('th', { scope: 'col' }, x)))), body),
  );
}

// ---- audit log ----

const ACTION_TEXT: Record<string, string> = {
  approve: 'approved',
  reject: 'rejected',
  spam: 'marked spam',
  ham: 'marked not spam',
  delete: 'deleted',
  restore: 'restored',
  edit: 'edited',
  reply: 'replied',
  lock_thread: 'locked a thread',
  unlock_thread: 'unlocked a thread',
  ban: 'added a ban',
  unban: 'removed a ban',
  export_author: "exported a person's comments",
  erase_author: "erased a person's comments",
  sign_in: 'signed in',
  sign_in_failed: 'failed to sign in',
  sign_out: 'signed out',
  moderator_add: 'added a moderator account',
  moderator_disable: 'disabled a moderator account',
  moderator_enable: 'enabled a moderator account',
  moderator_reset: "reset a moderator's password",
};

async function renderAudit(cursor: string | null = null, rows: AdminAuditEntry[] = []): Promise<void> {
  const params = new URLSearchParams({ limit: '50' });
  if (cursor) params.set('cursor', cursor);
  const page = await api<{ entries: AdminAuditEntry[]; nextCursor: string | null }>('GET', `/audit?${params.toString()}`);
  const all = [...rows, ...page.entries];
  const body = h('tbody');
  for (const e of all) {
    const what = e.commentId ? `comment ${e.commentId}` : (e.threadKey ?? '');
    body.append(
      h(
        'tr',
        {},
        h('td', {}, new Date(e.at).toLocaleString()),
        h('td', {}, e.actor),
        h('td', {}, ACTION_TEXT[e.action] ?? e.action),
        h('td', { class: 'wrap' }, what),
        h('td', { class: 'wrap' }, e.reason ?? ''),
      ),
    );
  }
  const more = page.nextCursor ? h('button', { type: 'button', class: 'more-btn' }, 'Load more') : null;
  more?.addEventListener('click', () => void renderAudit(page.nextCursor, all).catch(fail));
  frame(
    h('h2', {}, 'Audit log'),
    all.length === 0
      ? h('p', { class: 'empty' }, 'Nothing yet.')
      : h('table', {}, h('thead', {}, h('tr', {}, ...['When', 'Who', 'What', 'On', 'Reason'].map((x) => h('th', { scope: 'col' }, x)))), body),
    more,
  );
}

// ---- a person's data (GDPR) ----

function renderPeople(): void {
  const email = h('input', { id: 'person-email', type: 'email', required: '', autocomplete: 'off' });
  const mode = h('select', { id: 'erase-mode' }, h('option', { value: 'delete' }, 'Delete their comments'), h('option', { value: 'anonymize' }, 'Keep the text, anonymised'));
  const result = h('div', { class: 'result' });
  const exportBtn = h('button', { type: 'button' }, 'Export as JSON');
  const eraseBtn = h('button', { type: 'button', class: 'act delete' }, 'Erase…');
  const address = (): string | null => {
    if (!email.reportValidity()) return null;
    return email.value.trim();
  };
  exportBtn.addEventListener('click', () => {
    const e = address();
    if (!e) return;
    void (async () => {
      try {
        const data = await api<{ comments: AdminComment[] }>('GET', `/authors/export?${new URLSearchParams({ email: e }).toString()}`);
        const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
        result.replaceChildren(
          h('p', {}, `${data.comments.length} comment${data.comments.length === 1 ? '' : 's'} found. `, h('a', { href: url, download: 'parley-author-export.json' }, 'Download the export')),
        );
        announce('Export ready.');
      } catch (err) {
        fail(err);
      }
    })();
  });
  eraseBtn.addEventListener('click', () => {
    const e = address();
    if (e) confirmErase(e, mode.value as 'delete' | 'anonymize', result);
  });
  frame(
    h('h2', {}, "A person's data"),
    h('p', { class: 'help' }, 'Answer an access or erasure request for everything stored under one email address.'),
    h('div', { class: 'field' }, h('label', { for: 'person-email' }, 'Email address'), email),
    h('div', { class: 'field' }, h('label', { for: 'erase-mode' }, 'When erasing'), mode),
    h('div', { class: 'actions' }, exportBtn, eraseBtn),
    result,
  );
}

/** Erasing cannot be undone: a dialog says so and asks once more. */
function confirmErase(email: string, mode: 'delete' | 'anonymize', result: HTMLElement): void {
  dialog?.remove();
  const yes = h('button', { type: 'submit', class: 'act delete' }, 'Erase');
  const no = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: 'erase-title' }, 'Erase this person’s data?'),
    h('p', {}, mode === 'delete' ? `Every comment of ${email} will be deleted, with the address and IPs.` : `The comments of ${email} stay, anonymised; the address and IPs are removed.`),
    h('p', {}, 'This cannot be undone.'),
    h('div', { class: 'actions' }, yes, no),
  );
  const d = h('dialog', { 'aria-labelledby': 'erase-title' }, form);
  no.addEventListener('click', () => d.close());
  d.addEventListener('close', () => d.remove());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        const r = await api<{ erased: number }>('POST', '/authors/erase', { email, mode });
        d.close();
        result.replaceChildren(h('p', {}, `${r.erased} comment${r.erased === 1 ? '' : 's'} erased.`));
        announce('Erased.');
      } catch (err) {
        d.close();
        fail(err);
      }
    })();
  });
  document.body.append(d);
  dialog = d;
  d.showModal();
  no.focus();
}

async function load(reset: boolean): Promise<void> {
  if (!signedIn()) return renderSignIn();
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

function focusCard(): void {
  const cards = list.querySelectorAll<HTMLElement>('article.comment');
  cards.forEach((el, i) => el.classList.toggle('focused', i === state.focus));
  cards[state.focus]?.focus();
}

document.addEventListener('keydown', (e) => {
  if (!signedIn() || e.ctrlKey || e.metaKey || e.altKey) return;
  const target = e.target as HTMLElement;
  if (target.tagName === 'INPUT' && (target as HTMLInputElement).type !== 'checkbox') return;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.closest('dialog')) return;
  if (state.view !== 'queue') return;
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
else {
  // A session cookie from before a reload: ask who is signed in (and get the CSRF token back).
  void api<SessionInfo>('GET', '/session').then(
    (me) => {
      state.csrf = me.csrfToken;
      state.role = me.moderator.role;
      return load(true);
    },
    () => renderSignIn(),
  );
}
