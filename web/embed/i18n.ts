/** The widget's words: English by default, Simplified Chinese, Spanish, French and German. Dates come from Intl. */
const en = {
  comments: 'Comments',
  count: ['{n} comment', '{n} comments'],
  empty: 'No comments yet. Be the first to share your thoughts.',
  sortBy: 'Sort by',
  oldest: 'Oldest',
  newest: 'Newest',
  more: 'Load more comments',
  loading: 'Loading comments…',
  loadFailed: 'The comments could not be loaded.',
  retry: 'Try again',
  reply: 'Reply',
  replyTo: 'Reply to {name}',
  cancelReply: 'Cancel reply',
  leave: 'Leave a Reply',
  name: 'Name',
  email: 'Email',
  website: 'Website',
  comment: 'Comment',
  notice: 'Your email address will not be published. Required fields are marked *',
  remember: 'Save my name, email, and website in this browser for the next time I comment.',
  submit: 'Post Comment',
  sending: 'Posting…',
  required_name: 'Please enter your name.',
  required_email: 'Please enter your email address.',
  required_body: 'Please write a comment.',
  invalid_email: 'Please enter a valid email address, like name@example.com.',
  invalid_website: 'Please enter a web address starting with http:// or https://.',
  invalid: 'Please check this field.',
  too_long: 'This is too long.',
  fix: 'Please correct the marked fields.',
  offline: 'Could not reach the comment server. Your text is still here: please try again.',
  posted: 'Your comment has been published.',
  awaiting: 'Your comment is awaiting moderation.',
  rate_limited: 'You are posting too quickly. Please wait a moment and try again.',
  duplicate_comment: 'You have already posted this comment.',
  thread_locked: 'Comments are closed.',
  origin_not_allowed: 'Comments are not enabled for this site.',
  comment_rejected: 'Your comment could not be posted.',
  parent_not_found: 'The comment you are replying to is no longer available.',
  edit_window_closed: 'This comment can no longer be changed.',
  generic: 'Something went wrong. Please try again.',
  edit: 'Edit',
  editLabel: 'Edit your comment',
  save: 'Save',
  cancel: 'Cancel',
  del: 'Delete',
  confirmDel: 'Delete your comment? This cannot be undone.',
  deletedMsg: 'Your comment was deleted.',
  updatedMsg: 'Your comment was updated.',
  edited: 'edited',
  deleted: '[deleted]',
  moderator: 'Moderator',
  hp: 'Leave this field empty',
};

export type Strings = typeof en;
type Translation = Omit<Strings, 'hp'> & { hp?: string };

const zh: Translation = {
  comments: '评论',
  count: ['{n} 条评论', '{n} 条评论'],
  empty: '还没有评论。来发表第一条评论吧。',
  sortBy: '排序',
  oldest: '最早',
  newest: '最新',
  more: '加载更多评论',
  loading: '正在加载评论…',
  loadFailed: '无法加载评论。',
  retry: '重试',
  reply: '回复',
  replyTo: '回复 {name}',
  cancelReply: '取消回复',
  leave: '发表回复',
  name: '名称',
  email: '电子邮箱',
  website: '网站',
  comment: '评论',
  notice: '您的电子邮箱地址不会被公开。必填项已用 * 标注',
  remember: '在此浏览器中保存我的名称、电子邮箱和网站地址，以便下次评论时使用。',
  submit: '发表评论',
  sending: '正在发表…',
  required_name: '请输入您的名称。',
  required_email: '请输入您的电子邮箱地址。',
  required_body: '请填写评论内容。',
  invalid_email: '请输入有效的电子邮箱地址，例如 name@example.com。',
  invalid_website: '请输入以 http:// 或 https:// 开头的网址。',
  invalid: '请检查此项。',
  too_long: '内容过长。',
  fix: '请更正标记的字段。',
  offline: '无法连接评论服务器。您输入的内容仍然保留，请重试。',
  posted: '您的评论已发布。',
  awaiting: '您的评论正在等待审核。',
  rate_limited: '您发表得太快了，请稍后再试。',
  duplicate_comment: '您已经发表过这条评论。',
  thread_locked: '评论已关闭。',
  origin_not_allowed: '此网站未开启评论。',
  comment_rejected: '您的评论无法发表。',
  parent_not_found: '您要回复的评论已不存在。',
  edit_window_closed: '此评论已无法修改。',
  generic: '出错了，请重试。',
  edit: '编辑',
  editLabel: '编辑您的评论',
  save: '保存',
  cancel: '取消',
  del: '删除',
  confirmDel: '确定删除您的评论吗？此操作无法撤销。',
  deletedMsg: '您的评论已删除。',
  updatedMsg: '您的评论已更新。',
  edited: '已编辑',
  deleted: '[已删除]',
  moderator: '版主',
};

const es: Translation = {
  comments: 'Comentarios',
  count: ['{n} comentario', '{n} comentarios'],
  empty: 'Todavía no hay comentarios. Sé el primero en opinar.',
  sortBy: 'Ordenar por',
  oldest: 'Más antiguos',
  newest: 'Más recientes',
  more: 'Cargar más comentarios',
  loading: 'Cargando comentarios…',
  loadFailed: 'No se pudieron cargar los comentarios.',
  retry: 'Reintentar',
  reply: 'Responder',
  replyTo: 'Responder a {name}',
  cancelReply: 'Cancelar la respuesta',
  leave: 'Deja una respuesta',
  name: 'Nombre',
  email: 'Correo electrónico',
  website: 'Web',
  comment: 'Comentario',
  notice: 'Tu dirección de correo electrónico no será publicada. Los campos obligatorios están marcados con *',
  remember: 'Guarda mi nombre, correo electrónico y web en este navegador para la próxima vez que comente.',
  submit: 'Publicar el comentario',
  sending: 'Publicando…',
  required_name: 'Escribe tu nombre.',
  required_email: 'Escribe tu dirección de correo electrónico.',
  required_body: 'Escribe un comentario.',
  invalid_email: 'Escribe una dirección de correo válida, como nombre@example.com.',
  invalid_website: 'Escribe una dirección web que empiece por http:// o https://.',
  invalid: 'Revisa este campo.',
  too_long: 'Es demasiado largo.',
  fix: 'Corrige los campos marcados.',
  offline: 'No se pudo conectar con el servidor de comentarios. Tu texto sigue aquí: inténtalo de nuevo.',
  posted: 'Tu comentario se ha publicado.',
  awaiting: 'Tu comentario está pendiente de moderación.',
  rate_limited: 'Estás publicando demasiado rápido. Espera un momento e inténtalo de nuevo.',
  duplicate_comment: 'Ya has publicado este comentario.',
  thread_locked: 'Los comentarios están cerrados.',
  origin_not_allowed: 'Los comentarios no están activados en este sitio.',
  comment_rejected: 'No se pudo publicar tu comentario.',
  parent_not_found: 'El comentario al que respondes ya no está disponible.',
  edit_window_closed: 'Este comentario ya no se puede cambiar.',
  generic: 'Algo ha fallado. Inténtalo de nuevo.',
  edit: 'Editar',
  editLabel: 'Edita tu comentario',
  save: 'Guardar',
  cancel: 'Cancelar',
  del: 'Eliminar',
  confirmDel: '¿Eliminar tu comentario? No se puede deshacer.',
  deletedMsg: 'Tu comentario se ha eliminado.',
  updatedMsg: 'Tu comentario se ha actualizado.',
  edited: 'editado',
  deleted: '[eliminado]',
  moderator: 'Moderador',
};

const fr: Translation = {
  comments: 'Commentaires',
  count: ['{n} commentaire', '{n} commentaires'],
  empty: 'Aucun commentaire pour l’instant. Soyez le premier à réagir.',
  sortBy: 'Trier par',
  oldest: 'Plus anciens',
  newest: 'Plus récents',
  more: 'Afficher plus de commentaires',
  loading: 'Chargement des commentaires…',
  loadFailed: 'Les commentaires n’ont pas pu être chargés.',
  retry: 'Réessayer',
  reply: 'Répondre',
  replyTo: 'Répondre à {name}',
  cancelReply: 'Annuler la réponse',
  leave: 'Laisser un commentaire',
  name: 'Nom',
  email: 'E-mail',
  website: 'Site web',
  comment: 'Commentaire',
  notice: 'Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *',
  remember: 'Enregistrer mon nom, mon e-mail et mon site dans le navigateur pour mon prochain commentaire.',
  submit: 'Publier le commentaire',
  sending: 'Publication…',
  required_name: 'Veuillez saisir votre nom.',
  required_email: 'Veuillez saisir votre adresse e-mail.',
  required_body: 'Veuillez écrire un commentaire.',
  invalid_email: 'Veuillez saisir une adresse e-mail valide, comme nom@example.com.',
  invalid_website: 'Veuillez saisir une adresse web commençant par http:// ou https://.',
  invalid: 'Veuillez vérifier ce champ.',
  too_long: 'C’est trop long.',
  fix: 'Veuillez corriger les champs signalés.',
  offline: 'Impossible de joindre le serveur de commentaires. Votre texte est conservé : veuillez réessayer.',
  posted: 'Votre commentaire a été publié.',
  awaiting: 'Votre commentaire est en attente de modération.',
  rate_limited: 'Vous publiez trop vite. Patientez un instant puis réessayez.',
  duplicate_comment: 'Vous avez déjà publié ce commentaire.',
  thread_locked: 'Les commentaires sont fermés.',
  origin_not_allowed: 'Les commentaires ne sont pas activés sur ce site.',
  comment_rejected: 'Votre commentaire n’a pas pu être publié.',
  parent_not_found: 'Le commentaire auquel vous répondez n’est plus disponible.',
  edit_window_closed: 'Ce commentaire ne peut plus être modifié.',
  generic: 'Une erreur est survenue. Veuillez réessayer.',
  edit: 'Modifier',
  editLabel: 'Modifier votre commentaire',
  save: 'Enregistrer',
  cancel: 'Annuler',
  del: 'Supprimer',
  confirmDel: 'Supprimer votre commentaire ? Cette action est définitive.',
  deletedMsg: 'Votre commentaire a été supprimé.',
  updatedMsg: 'Votre commentaire a été modifié.',
  edited: 'modifié',
  deleted: '[supprimé]',
  moderator: 'Modérateur',
};

const de: Translation = {
  comments: 'Kommentare',
  count: ['{n} Kommentar', '{n} Kommentare'],
  empty: 'Noch keine Kommentare. Schreibe den ersten.',
  sortBy: 'Sortieren nach',
  oldest: 'Älteste',
  newest: 'Neueste',
  more: 'Weitere Kommentare laden',
  loading: 'Kommentare werden geladen…',
  loadFailed: 'Die Kommentare konnten nicht geladen werden.',
  retry: 'Erneut versuchen',
  reply: 'Antworten',
  replyTo: 'Antwort an {name}',
  cancelReply: 'Antworten abbrechen',
  leave: 'Schreibe einen Kommentar',
  name: 'Name',
  email: 'E-Mail',
  website: 'Website',
  comment: 'Kommentar',
  notice: 'Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert',
  remember: 'Meinen Namen, meine E-Mail-Adresse und meine Website in diesem Browser für die nächste Kommentierung speichern.',
  submit: 'Kommentar abschicken',
  sending: 'Wird gesendet…',
  required_name: 'Bitte gib deinen Namen ein.',
  required_email: 'Bitte gib deine E-Mail-Adresse ein.',
  required_body: 'Bitte schreibe einen Kommentar.',
  invalid_email: 'Bitte gib eine gültige E-Mail-Adresse ein, etwa name@example.com.',
  invalid_website: 'Bitte gib eine Webadresse ein, die mit http:// oder https:// beginnt.',
  invalid: 'Bitte prüfe dieses Feld.',
  too_long: 'Das ist zu lang.',
  fix: 'Bitte korrigiere die markierten Felder.',
  offline: 'Der Kommentar-Server ist nicht erreichbar. Dein Text bleibt erhalten: bitte versuche es erneut.',
  posted: 'Dein Kommentar wurde veröffentlicht.',
  awaiting: 'Dein Kommentar muss noch freigegeben werden.',
  rate_limited: 'Du kommentierst zu schnell. Bitte warte einen Moment.',
  duplicate_comment: 'Diesen Kommentar hast du bereits geschrieben.',
  thread_locked: 'Die Kommentare sind geschlossen.',
  origin_not_allowed: 'Kommentare sind für diese Website nicht aktiviert.',
  comment_rejected: 'Dein Kommentar konnte nicht veröffentlicht werden.',
  parent_not_found: 'Der Kommentar, auf den du antwortest, ist nicht mehr verfügbar.',
  edit_window_closed: 'Dieser Kommentar kann nicht mehr geändert werden.',
  generic: 'Etwas ist schiefgegangen. Bitte versuche es erneut.',
  edit: 'Bearbeiten',
  editLabel: 'Deinen Kommentar bearbeiten',
  save: 'Speichern',
  cancel: 'Abbrechen',
  del: 'Löschen',
  confirmDel: 'Deinen Kommentar löschen? Das lässt sich nicht rückgängig machen.',
  deletedMsg: 'Dein Kommentar wurde gelöscht.',
  updatedMsg: 'Dein Kommentar wurde geändert.',
  edited: 'bearbeitet',
  deleted: '[gelöscht]',
  moderator: 'Moderator',
};

const LANGS: Record<string, Translation> = { en, 'zh-CN': zh, es, fr, de };

/** The first supported language among the candidates ("zh", "zh-Hans", "es-MX" → their family); English otherwise. */
export function pickLang(candidates: (string | null | undefined)[]): string {
  for (const c of candidates) {
    if (!c) continue;
    const tag = c.trim().toLowerCase();
    if (tag === '') continue;
    if (/^zh(-(cn|sg|hans)|$|-hans-)/.test(tag)) return 'zh-CN';
    const base = tag.split('-')[0]!;
    if (base === 'en' || base === 'es' || base === 'fr' || base === 'de') return base;
  }
  return 'en';
}

export function strings(lang: string): Strings {
  return { ...en, ...LANGS[lang] };
}

/** Puts a value in a message's `{slot}` as is: a function replacer, so `$'`, `$&` or `$1` in a name stay literal. */
export function fill(template: string, slot: string, value: string): string {
  return template.replace(`{${slot}}`, () => value);
}

/** "{n} comments" in the language's plural form. */
export function countText(s: Strings, lang: string, n: number): string {
  const form = new Intl.PluralRules(lang).select(n) === 'one' ? 0 : 1;
  return fill(s.count[form]!, 'n', n.toLocaleString(lang));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['week', 604_800],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "3 hours ago", "yesterday", "now". */
export function relativeTime(lang: string, iso: string, now = Date.now()): string {
  // Never "in 2 minutes": a clock slightly behind the server's still says "now".
  const seconds = Math.min(0, (new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(0, 'second');
}

export function fullDate(lang: string, iso: string): string {
  return new Date(iso).toLocaleString(lang, { dateStyle: 'long', timeStyle: 'short' });
}
