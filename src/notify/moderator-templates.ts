/**
 * Moderator mails — the alert for one held comment and the digest of several — in the widget's five languages
 * (MODERATOR_LANG), as plain text and HTML. Every reader-supplied string (name, text, thread, reasons quoting it) is
 * escaped in the HTML part and kept on one line in the subject.
 */
import type { Comment } from '../domain/comment.js';
import { escapeHtml } from '../http/html.js';
import { reasonText } from '../http/admin/reasons.js';
import type { MailPayload } from './mail.js';
import type { ModeratorLang } from './mail-lang.js';
import { excerpt, htmlDoc, oneLine, plural, put } from './mail-text.js';

interface Words {
  heldOne: string;
  /** {n}: how many comments this digest lists. */
  heldMany: [one: string, other: string];
  subjectOne: string;
  subjectMany: [one: string, other: string];
  thread: string;
  author: string;
  why: string;
  forReview: string;
  approve: string;
  spam: string;
  linksNote: string;
  /** {status}: the comment's status code. */
  decided: string;
  decideAt: string;
  decidePage: string;
  /** Reason codes in words; a code missing here is shown in English (src/http/admin/reasons.ts). */
  reasons: Record<string, string>;
}

const en: Words = {
  heldOne: 'A comment was held for moderation.',
  heldMany: ['{n} comment was held for moderation since the last digest.', '{n} comments were held for moderation since the last digest.'],
  subjectOne: 'Held for moderation: {name} on {thread}',
  subjectMany: ['{n} comment held for moderation', '{n} comments held for moderation'],
  thread: 'Thread',
  author: 'Author',
  why: 'Why',
  forReview: 'held for review',
  approve: 'Approve',
  spam: 'Mark as spam',
  linksNote: 'Each link asks for confirmation and works once, for 7 days.',
  decided: 'Already decided: {status}.',
  decideAt: 'Decide at {url}',
  decidePage: 'Decide on the moderation page (/admin).',
  reasons: {},
};

const WORDS: Record<ModeratorLang, Words> = {
  en,
  'zh-CN': {
    heldOne: '有一条评论被暂扣，等待审核。',
    heldMany: ['自上次汇总以来，有 {n} 条评论被暂扣，等待审核。', '自上次汇总以来，有 {n} 条评论被暂扣，等待审核。'],
    subjectOne: '待审核：{name} 在 {thread}',
    subjectMany: ['{n} 条评论待审核', '{n} 条评论待审核'],
    thread: '讨论',
    author: '作者',
    why: '原因',
    forReview: '等待审核',
    approve: '批准',
    spam: '标记为垃圾评论',
    linksNote: '每个链接都会先要求确认，只能使用一次，7 天内有效。',
    decided: '已处理：{status}。',
    decideAt: '请在 {url} 处理',
    decidePage: '请在审核页面（/admin）处理。',
    reasons: {
      honeypot_filled: '只有机器人才会填写的隐藏字段被填写了',
      no_form_token: '没有表单令牌（未加载评论表单就提交）',
      form_token_invalid: '表单令牌无效',
      form_token_expired: '表单令牌已过期（表单打开了很长时间）',
      submitted_too_fast: '表单显示后提交得太快',
      too_many_links: '链接太多',
      banned_word: '包含禁用词',
      akismet_ham: 'Akismet：不是垃圾评论',
      akismet_spam: 'Akismet：垃圾评论',
      akismet_discard: 'Akismet：明显的垃圾评论',
      recheck_gave_up: 'Akismet 一直没有回应：请自行决定',
      moderation_all: '每条评论都需审核（MODERATION=all）',
      first_time_commenter: '该邮箱的第一条评论',
      edited_after_approval: '批准后被编辑',
    },
  },
  es: {
    heldOne: 'Un comentario quedó retenido para moderación.',
    heldMany: ['{n} comentario quedó retenido para moderación desde el último resumen.', '{n} comentarios quedaron retenidos para moderación desde el último resumen.'],
    subjectOne: 'Retenido para moderación: {name} en {thread}',
    subjectMany: ['{n} comentario retenido para moderación', '{n} comentarios retenidos para moderación'],
    thread: 'Hilo',
    author: 'Autor',
    why: 'Motivo',
    forReview: 'retenido para revisión',
    approve: 'Aprobar',
    spam: 'Marcar como spam',
    linksNote: 'Cada enlace pide confirmación y funciona una sola vez, durante 7 días.',
    decided: 'Ya decidido: {status}.',
    decideAt: 'Decide en {url}',
    decidePage: 'Decide en la página de moderación (/admin).',
    reasons: {
      honeypot_filled: 'se rellenó un campo oculto que solo rellenan los robots',
      no_form_token: 'sin token de formulario (enviado sin cargar el formulario)',
      form_token_invalid: 'el token del formulario no era válido',
      form_token_expired: 'el token del formulario había caducado (el formulario estuvo abierto mucho tiempo)',
      submitted_too_fast: 'enviado demasiado rápido tras mostrar el formulario',
      too_many_links: 'demasiados enlaces',
      banned_word: 'contiene una palabra prohibida',
      akismet_ham: 'Akismet: no es spam',
      akismet_spam: 'Akismet: spam',
      akismet_discard: 'Akismet: spam evidente',
      recheck_gave_up: 'Akismet nunca respondió: decide tú',
      moderation_all: 'se revisan todos los comentarios (MODERATION=all)',
      first_time_commenter: 'primer comentario de este correo',
      edited_after_approval: 'editado después de ser aprobado',
    },
  },
  fr: {
    heldOne: 'Un commentaire a été retenu pour modération.',
    heldMany: ['{n} commentaire a été retenu pour modération depuis le dernier récapitulatif.', '{n} commentaires ont été retenus pour modération depuis le dernier récapitulatif.'],
    subjectOne: 'Retenu pour modération : {name} sur {thread}',
    subjectMany: ['{n} commentaire retenu pour modération', '{n} commentaires retenus pour modération'],
    thread: 'Fil',
    author: 'Auteur',
    why: 'Pourquoi',
    forReview: 'retenu pour relecture',
    approve: 'Approuver',
    spam: 'Marquer comme spam',
    linksNote: 'Chaque lien demande une confirmation et ne fonctionne qu’une fois, pendant 7 jours.',
    decided: 'Déjà décidé : {status}.',
    decideAt: 'Décidez sur {url}',
    decidePage: 'Décidez sur la page de modération (/admin).',
    reasons: {
      honeypot_filled: 'un champ caché que seuls les robots remplissent a été rempli',
      no_form_token: 'pas de jeton de formulaire (envoyé sans charger le formulaire)',
      form_token_invalid: 'le jeton du formulaire n’était pas valide',
      form_token_expired: 'le jeton du formulaire avait expiré (formulaire ouvert longtemps)',
      submitted_too_fast: 'envoyé trop vite après l’affichage du formulaire',
      too_many_links: 'trop de liens',
      banned_word: 'contient un mot interdit',
      akismet_ham: 'Akismet : pas du spam',
      akismet_spam: 'Akismet : spam',
      akismet_discard: 'Akismet : spam flagrant',
      recheck_gave_up: 'Akismet n’a jamais répondu : à vous de décider',
      moderation_all: 'chaque commentaire est relu (MODERATION=all)',
      first_time_commenter: 'premier commentaire de cette adresse',
      edited_after_approval: 'modifié après approbation',
    },
  },
  de: {
    heldOne: 'Ein Kommentar wurde zur Moderation zurückgehalten.',
    heldMany: ['{n} Kommentar wurde seit der letzten Zusammenfassung zur Moderation zurückgehalten.', '{n} Kommentare wurden seit der letzten Zusammenfassung zur Moderation zurückgehalten.'],
    subjectOne: 'Zur Moderation zurückgehalten: {name} bei {thread}',
    subjectMany: ['{n} Kommentar zur Moderation zurückgehalten', '{n} Kommentare zur Moderation zurückgehalten'],
    thread: 'Diskussion',
    author: 'Autor',
    why: 'Grund',
    forReview: 'zur Prüfung zurückgehalten',
    approve: 'Freigeben',
    spam: 'Als Spam markieren',
    linksNote: 'Jeder Link fragt nach einer Bestätigung und funktioniert einmal, 7 Tage lang.',
    decided: 'Bereits entschieden: {status}.',
    decideAt: 'Entscheiden unter {url}',
    decidePage: 'Entscheiden auf der Moderationsseite (/admin).',
    reasons: {
      honeypot_filled: 'ein verstecktes Feld, das nur Bots ausfüllen, war ausgefüllt',
      no_form_token: 'kein Formular-Token (gesendet, ohne das Formular zu laden)',
      form_token_invalid: 'das Formular-Token war ungültig',
      form_token_expired: 'das Formular-Token war abgelaufen (Formular lange offen)',
      submitted_too_fast: 'zu schnell nach dem Anzeigen des Formulars gesendet',
      too_many_links: 'zu viele Links',
      banned_word: 'enthält ein gesperrtes Wort',
      akismet_ham: 'Akismet: kein Spam',
      akismet_spam: 'Akismet: Spam',
      akismet_discard: 'Akismet: eindeutiger Spam',
      recheck_gave_up: 'Akismet hat nie geantwortet: selbst entscheiden',
      moderation_all: 'jeder Kommentar wird geprüft (MODERATION=all)',
      first_time_commenter: 'erster Kommentar dieser E-Mail-Adresse',
      edited_after_approval: 'nach der Freigabe bearbeitet',
    },
  },
};

/** One held comment as a moderator mail shows it. */
export interface HeldItem {
  comment: Comment;
  threadUrl: string | null;
  /** Signed single-use links (see moderation-link.ts); null without PUBLIC_URL. */
  links: { approve: string; spam: string } | null;
}

export interface ModeratorMailInput {
  /** Where the moderation page is, or null when PUBLIC_URL is unset. */
  adminUrl: string | null;
  to: readonly string[];
  lang: ModeratorLang;
}

function reasonsOf(w: Words, comment: Comment): string[] {
  // The link count is English-worded by reasonText; other languages show their own short phrase.
  return comment.spamReasons.map((r) => w.reasons[r] ?? reasonText(r, comment.html));
}

function itemText(w: Words, { comment, threadUrl, links }: HeldItem): string[] {
  const reasons = reasonsOf(w, comment);
  return [
    `${w.thread}: ${threadUrl ?? comment.threadKey}`,
    `${w.author}: ${oneLine(comment.author.name)}`,
    `${w.why}: ${reasons.length > 0 ? reasons.join('; ') : w.forReview}`,
    ``,
    comment.body,
    ``,
    ...(comment.status !== 'pending'
      ? [put(w.decided, { status: comment.status }), ``]
      : links
        ? [`${w.approve}: ${links.approve}`, `${w.spam}: ${links.spam}`, `(${w.linksNote})`, ``]
        : []),
  ];
}

function itemHtml(w: Words, { comment, threadUrl, links }: HeldItem): string {
  const reasons = reasonsOf(w, comment);
  return [
    `<p><b>${w.thread}:</b> ${escapeHtml(threadUrl ?? comment.threadKey)}<br><b>${w.author}:</b> ${escapeHtml(oneLine(comment.author.name))}<br>`,
    `<b>${w.why}:</b> ${reasons.length > 0 ? reasons.map(escapeHtml).join('; ') : w.forReview}</p>`,
    `<blockquote><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(comment.body)}</pre></blockquote>`,
    comment.status !== 'pending'
      ? `<p>${escapeHtml(put(w.decided, { status: comment.status }))}</p>`
      : links
        ? `<p><a href="${escapeHtml(links.approve)}">${w.approve}</a> · <a href="${escapeHtml(links.spam)}">${w.spam}</a> (${w.linksNote})</p>`
        : '',
  ].join('\n');
}

function footer(w: Words, adminUrl: string | null): { text: string; html: string } {
  return adminUrl
    ? { text: put(w.decideAt, { url: adminUrl }), html: `<p><a href="${escapeHtml(adminUrl)}">${escapeHtml(put(w.decideAt, { url: adminUrl }))}</a></p>` }
    : { text: w.decidePage, html: `<p>${w.decidePage}</p>` };
}

/** The alert for one held comment: the text, the thread, the reasons in words, and the approve/spam links. */
export function moderatorAlert(item: HeldItem, { adminUrl, to, lang }: ModeratorMailInput): MailPayload {
  const w = WORDS[lang];
  const subject = excerpt(put(w.subjectOne, { name: oneLine(item.comment.author.name), thread: oneLine(item.threadUrl ?? item.comment.threadKey) }), 200);
  const end = footer(w, adminUrl);
  const text = [w.heldOne, ``, ...itemText(w, item), end.text].join('\n');
  const html = htmlDoc(lang, [`<p>${w.heldOne}</p>`, itemHtml(w, item), end.html].join('\n'));
  return { purpose: 'moderator_alert', to: [...to], subject, text, html, commentId: item.comment.id };
}

/** One mail listing several held comments, oldest first, each as the single alert shows it. */
export function moderatorDigest(items: readonly HeldItem[], { adminUrl, to, lang }: ModeratorMailInput): MailPayload {
  const w = WORDS[lang];
  const intro = plural(lang, w.heldMany, items.length);
  const end = footer(w, adminUrl);
  const text = [intro, ``, ...items.flatMap((item, i) => [`— ${i + 1} / ${items.length} —`, ...itemText(w, item)]), end.text].join('\n');
  const html = htmlDoc(lang, [`<p>${intro}</p>`, ...items.map((item) => `<hr>\n${itemHtml(w, item)}`), `<hr>`, end.html].join('\n'));
  return { purpose: 'moderator_digest', to: [...to], subject: plural(lang, w.subjectMany, items.length), text, html, commentIds: items.map((i) => i.comment.id) };
}
