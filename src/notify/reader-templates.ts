/**
 * Reader mails — the confirmation of an address (double opt-in) and a reply notification — and the words of the
 * confirm and unsubscribe pages, in the widget's five languages (the thread's language, as the widget that asked
 * showed it). Plain text and HTML; every reader-supplied string (names, text, thread) is escaped in the HTML part and
 * kept on one line in the subject. Every mail ends with its unsubscribe links; the sender adds the RFC 8058 headers.
 */
import type { Comment } from '../domain/comment.js';
import { escapeHtml } from '../http/html.js';
import type { MailPayload } from './mail.js';
import type { ModeratorLang as MailLang } from './mail-lang.js';
import { excerpt, htmlDoc, oneLine, put } from './mail-text.js';

interface ReaderWords {
  confirmSubject: string;
  /** {thread} */
  confirmIntro: string;
  confirmAction: string;
  confirmIgnore: string;
  /** {name} */
  replySubject: string;
  /** {name}, {thread} */
  replyIntro: string;
  read: string;
  why: string;
  stopThread: string;
  stopAll: string;
  // Pages
  confirmTitle: string;
  confirmButton: string;
  confirmedTitle: string;
  confirmedBody: string;
  stopThreadTitle: string;
  stopAllTitle: string;
  stopButton: string;
  stoppedTitle: string;
  stoppedThread: string;
  stoppedAll: string;
  goneTitle: string;
  goneBody: string;
  invalidTitle: string;
  expiredTitle: string;
  badLinkBody: string;
}

const en: ReaderWords = {
  confirmSubject: 'Please confirm: email me replies to my comments',
  confirmIntro: 'Someone, hopefully you, asked to be emailed when there are replies to a comment posted with this address on {thread}.',
  confirmAction: 'Confirm',
  confirmIgnore: 'If it was not you, ignore this mail: nothing else will be sent to this address.',
  replySubject: '{name} replied to your comment',
  replyIntro: '{name} replied to your comment on {thread}:',
  read: 'Read the conversation',
  why: 'You get this mail because you asked to be told of replies to your comments.',
  stopThread: 'Stop reply emails for this conversation',
  stopAll: 'Stop all reply emails',
  confirmTitle: 'Email me replies to my comments?',
  confirmButton: 'Yes, email me replies',
  confirmedTitle: 'Confirmed',
  confirmedBody: 'You will get an email when someone replies to your comments. Every email has a link to stop them.',
  stopThreadTitle: 'Stop reply emails for this conversation?',
  stopAllTitle: 'Stop all reply emails?',
  stopButton: 'Unsubscribe',
  stoppedTitle: 'Unsubscribed',
  stoppedThread: 'You will get no more reply emails for this conversation.',
  stoppedAll: 'You will get no more reply emails from us.',
  goneTitle: 'Nothing to confirm',
  goneBody: 'This request was withdrawn. Tick the box again when you next comment.',
  invalidTitle: 'This link is not valid',
  expiredTitle: 'This link has expired',
  badLinkBody: 'Use the link in a more recent email.',
};

export const READER_WORDS: Record<MailLang, ReaderWords> = {
  en,
  'zh-CN': {
    confirmSubject: '请确认：有人回复我的评论时给我发邮件',
    confirmIntro: '有人（希望是您）请求在 {thread} 上用此邮箱发表的评论有回复时收到邮件通知。',
    confirmAction: '确认',
    confirmIgnore: '如果不是您本人，请忽略此邮件：我们不会再向此邮箱发送任何邮件。',
    replySubject: '{name} 回复了您的评论',
    replyIntro: '{name} 在 {thread} 回复了您的评论：',
    read: '查看讨论',
    why: '您收到此邮件，是因为您请求在评论有回复时收到通知。',
    stopThread: '不再接收此讨论的回复邮件',
    stopAll: '不再接收任何回复邮件',
    confirmTitle: '有人回复我的评论时给我发邮件？',
    confirmButton: '是的，给我发回复邮件',
    confirmedTitle: '已确认',
    confirmedBody: '有人回复您的评论时，您会收到邮件。每封邮件都有退订链接。',
    stopThreadTitle: '不再接收此讨论的回复邮件？',
    stopAllTitle: '不再接收任何回复邮件？',
    stopButton: '退订',
    stoppedTitle: '已退订',
    stoppedThread: '您将不再收到此讨论的回复邮件。',
    stoppedAll: '您将不再收到我们的任何回复邮件。',
    goneTitle: '没有需要确认的内容',
    goneBody: '此请求已撤销。下次评论时请再次勾选该选项。',
    invalidTitle: '此链接无效',
    expiredTitle: '此链接已过期',
    badLinkBody: '请使用较新邮件中的链接。',
  },
  es: {
    confirmSubject: 'Confirma: envíame por correo las respuestas a mis comentarios',
    confirmIntro: 'Alguien, esperamos que tú, pidió recibir un correo cuando haya respuestas a un comentario publicado con esta dirección en {thread}.',
    confirmAction: 'Confirmar',
    confirmIgnore: 'Si no fuiste tú, ignora este correo: no se enviará nada más a esta dirección.',
    replySubject: '{name} respondió a tu comentario',
    replyIntro: '{name} respondió a tu comentario en {thread}:',
    read: 'Leer la conversación',
    why: 'Recibes este correo porque pediste que te avisáramos de las respuestas a tus comentarios.',
    stopThread: 'No recibir más respuestas de esta conversación',
    stopAll: 'No recibir más correos de respuestas',
    confirmTitle: '¿Recibir por correo las respuestas a mis comentarios?',
    confirmButton: 'Sí, envíame las respuestas',
    confirmedTitle: 'Confirmado',
    confirmedBody: 'Recibirás un correo cuando alguien responda a tus comentarios. Cada correo tiene un enlace para darte de baja.',
    stopThreadTitle: '¿Dejar de recibir respuestas de esta conversación?',
    stopAllTitle: '¿Dejar de recibir todos los correos de respuestas?',
    stopButton: 'Darme de baja',
    stoppedTitle: 'Baja confirmada',
    stoppedThread: 'No recibirás más correos de respuestas de esta conversación.',
    stoppedAll: 'No recibirás más correos de respuestas.',
    goneTitle: 'Nada que confirmar',
    goneBody: 'Esta solicitud se retiró. Marca la casilla de nuevo cuando vuelvas a comentar.',
    invalidTitle: 'Este enlace no es válido',
    expiredTitle: 'Este enlace ha caducado',
    badLinkBody: 'Usa el enlace de un correo más reciente.',
  },
  fr: {
    confirmSubject: 'Confirmez : recevoir par e-mail les réponses à mes commentaires',
    confirmIntro: 'Quelqu’un, sans doute vous, a demandé à être prévenu par e-mail des réponses à un commentaire publié avec cette adresse sur {thread}.',
    confirmAction: 'Confirmer',
    confirmIgnore: 'Si ce n’était pas vous, ignorez ce message : rien d’autre ne sera envoyé à cette adresse.',
    replySubject: '{name} a répondu à votre commentaire',
    replyIntro: '{name} a répondu à votre commentaire sur {thread} :',
    read: 'Lire la conversation',
    why: 'Vous recevez ce message parce que vous avez demandé à être prévenu des réponses à vos commentaires.',
    stopThread: 'Ne plus recevoir les réponses de cette conversation',
    stopAll: 'Ne plus recevoir aucun e-mail de réponse',
    confirmTitle: 'Recevoir par e-mail les réponses à mes commentaires ?',
    confirmButton: 'Oui, prévenez-moi des réponses',
    confirmedTitle: 'Confirmé',
    confirmedBody: 'Vous recevrez un e-mail quand quelqu’un répondra à vos commentaires. Chaque e-mail contient un lien de désinscription.',
    stopThreadTitle: 'Ne plus recevoir les réponses de cette conversation ?',
    stopAllTitle: 'Ne plus recevoir aucun e-mail de réponse ?',
    stopButton: 'Me désinscrire',
    stoppedTitle: 'Désinscription faite',
    stoppedThread: 'Vous ne recevrez plus d’e-mail de réponse pour cette conversation.',
    stoppedAll: 'Vous ne recevrez plus aucun e-mail de réponse.',
    goneTitle: 'Rien à confirmer',
    goneBody: 'Cette demande a été retirée. Cochez de nouveau la case lors de votre prochain commentaire.',
    invalidTitle: 'Ce lien n’est pas valide',
    expiredTitle: 'Ce lien a expiré',
    badLinkBody: 'Utilisez le lien d’un e-mail plus récent.',
  },
  de: {
    confirmSubject: 'Bitte bestätigen: Antworten auf meine Kommentare per E-Mail',
    confirmIntro: 'Jemand, hoffentlich Sie, möchte per E-Mail benachrichtigt werden, wenn jemand auf einen Kommentar antwortet, der mit dieser Adresse auf {thread} geschrieben wurde.',
    confirmAction: 'Bestätigen',
    confirmIgnore: 'Falls Sie das nicht waren, ignorieren Sie diese E-Mail: An diese Adresse wird sonst nichts gesendet.',
    replySubject: '{name} hat auf Ihren Kommentar geantwortet',
    replyIntro: '{name} hat auf Ihren Kommentar auf {thread} geantwortet:',
    read: 'Zur Diskussion',
    why: 'Sie erhalten diese E-Mail, weil Sie über Antworten auf Ihre Kommentare informiert werden möchten.',
    stopThread: 'Keine Antwort-E-Mails mehr zu dieser Diskussion',
    stopAll: 'Keine Antwort-E-Mails mehr',
    confirmTitle: 'Antworten auf meine Kommentare per E-Mail?',
    confirmButton: 'Ja, Antworten per E-Mail',
    confirmedTitle: 'Bestätigt',
    confirmedBody: 'Sie erhalten eine E-Mail, wenn jemand auf Ihre Kommentare antwortet. Jede E-Mail enthält einen Abmeldelink.',
    stopThreadTitle: 'Keine Antwort-E-Mails mehr zu dieser Diskussion?',
    stopAllTitle: 'Keine Antwort-E-Mails mehr?',
    stopButton: 'Abmelden',
    stoppedTitle: 'Abgemeldet',
    stoppedThread: 'Sie erhalten keine Antwort-E-Mails mehr zu dieser Diskussion.',
    stoppedAll: 'Sie erhalten keine Antwort-E-Mails mehr von uns.',
    goneTitle: 'Nichts zu bestätigen',
    goneBody: 'Diese Anfrage wurde zurückgezogen. Setzen Sie beim nächsten Kommentar erneut das Häkchen.',
    invalidTitle: 'Dieser Link ist ungültig',
    expiredTitle: 'Dieser Link ist abgelaufen',
    badLinkBody: 'Verwenden Sie den Link aus einer neueren E-Mail.',
  },
};

/** The unsubscribe links of one mail: `header` goes in List-Unsubscribe (one-click), both go in the footer. */
export interface UnsubscribeLinks {
  header: string;
  thread: string | null;
  all: string;
}

function footer(w: ReaderWords, links: UnsubscribeLinks): { text: string[]; html: string } {
  const text = ['--', w.why, ...(links.thread ? [`${w.stopThread}: ${links.thread}`] : []), `${w.stopAll}: ${links.all}`];
  const a = (href: string, label: string) => `<a href="${escapeHtml(href)}">${label}</a>`;
  const html = `<hr><p style="font-size:small;color:#555">${w.why}<br>${[...(links.thread ? [a(links.thread, w.stopThread)] : []), a(links.all, w.stopAll)].join(' · ')}</p>`;
  return { text, html };
}

const rfc8058 = (links: UnsubscribeLinks) => ({ 'List-Unsubscribe': `<${links.header}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });

export function confirmationMail(input: { to: string; lang: MailLang; threadUrl: string; confirmUrl: string; links: UnsubscribeLinks }): MailPayload {
  const w = READER_WORDS[input.lang];
  const intro = put(w.confirmIntro, { thread: oneLine(input.threadUrl) });
  const end = footer(w, input.links);
  const text = [intro, '', `${w.confirmAction}: ${input.confirmUrl}`, '', w.confirmIgnore, '', ...end.text].join('\n');
  const html = htmlDoc(input.lang, [
    `<p>${escapeHtml(intro)}</p>`,
    `<p><a href="${escapeHtml(input.confirmUrl)}"><b>${w.confirmAction}</b></a></p>`,
    `<p>${w.confirmIgnore}</p>`,
    end.html,
  ].join('\n'));
  return { purpose: 'reader_confirm', to: [input.to], subject: w.confirmSubject, text, html, headers: rfc8058(input.links) };
}

export function replyMail(input: { to: string; lang: MailLang; reply: Comment; threadUrl: string; links: UnsubscribeLinks }): MailPayload {
  const w = READER_WORDS[input.lang];
  const name = oneLine(input.reply.author.name);
  const intro = put(w.replyIntro, { name, thread: oneLine(input.threadUrl) });
  const end = footer(w, input.links);
  const text = [intro, '', input.reply.body, '', `${w.read}: ${input.threadUrl}`, '', ...end.text].join('\n');
  const html = htmlDoc(input.lang, [
    `<p>${escapeHtml(intro)}</p>`,
    `<blockquote><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(input.reply.body)}</pre></blockquote>`,
    `<p><a href="${escapeHtml(input.threadUrl)}">${w.read}</a></p>`,
    end.html,
  ].join('\n'));
  return { purpose: 'reader_reply', to: [input.to], subject: excerpt(put(w.replySubject, { name }), 200), text, html, commentId: input.reply.id, headers: rfc8058(input.links) };
}
