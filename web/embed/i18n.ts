/** The widget's words: English by default, Simplified Chinese, Spanish, French and German. Dates come from Intl. */

/** Each message in the five languages, in this order (`hp`, unseen, is English only). */
const LANG_ORDER = ['en', 'zh-CN', 'es', 'fr', 'de'] as const;
type Words<T> = readonly [en: T, zh: T, es: T, fr: T, de: T] | readonly [en: T];

const WORDS = {
  comments: [
    'Comments',
    '评论',
    'Comentarios',
    'Commentaires',
    'Kommentare',
  ],
  count: [
    ['{n} comment', '{n} comments'],
    ['{n} 条评论', '{n} 条评论'],
    ['{n} comentario', '{n} comentarios'],
    ['{n} commentaire', '{n} commentaires'],
    ['{n} Kommentar', '{n} Kommentare'],
  ],
  empty: [
    'No comments yet. Be the first to share your thoughts.',
    '还没有评论。来发表第一条评论吧。',
    'Todavía no hay comentarios. Sé el primero en opinar.',
    'Aucun commentaire pour l’instant. Soyez le premier à réagir.',
    'Noch keine Kommentare. Schreibe den ersten.',
  ],
  sortBy: [
    'Sort by',
    '排序',
    'Ordenar por',
    'Trier par',
    'Sortieren nach',
  ],
  oldest: [
    'Oldest',
    '最早',
    'Más antiguos',
    'Plus anciens',
    'Älteste',
  ],
  newest: [
    'Newest',
    '最新',
    'Más recientes',
    'Plus récents',
    'Neueste',
  ],
  more: [
    'Load more comments',
    '加载更多评论',
    'Cargar más comentarios',
    'Afficher plus de commentaires',
    'Weitere Kommentare laden',
  ],
  loading: [
    'Loading comments…',
    '正在加载评论…',
    'Cargando comentarios…',
    'Chargement des commentaires…',
    'Kommentare werden geladen…',
  ],
  loadFailed: [
    'The comments could not be loaded.',
    '无法加载评论。',
    'No se pudieron cargar los comentarios.',
    'Les commentaires n’ont pas pu être chargés.',
    'Die Kommentare konnten nicht geladen werden.',
  ],
  retry: [
    'Try again',
    '重试',
    'Reintentar',
    'Réessayer',
    'Erneut versuchen',
  ],
  reply: [
    'Reply',
    '回复',
    'Responder',
    'Répondre',
    'Antworten',
  ],
  replyTo: [
    'Reply to {name}',
    '回复 {name}',
    'Responder a {name}',
    'Répondre à {name}',
    'Antwort an {name}',
  ],
  cancelReply: [
    'Cancel reply',
    '取消回复',
    'Cancelar la respuesta',
    'Annuler la réponse',
    'Antworten abbrechen',
  ],
  leave: [
    'Leave a Reply',
    '发表回复',
    'Deja una respuesta',
    'Laisser un commentaire',
    'Schreibe einen Kommentar',
  ],
  name: [
    'Name',
    '名称',
    'Nombre',
    'Nom',
    'Name',
  ],
  email: [
    'Email',
    '电子邮箱',
    'Correo electrónico',
    'E-mail',
    'E-Mail',
  ],
  website: [
    'Website',
    '网站',
    'Web',
    'Site web',
    'Website',
  ],
  comment: [
    'Comment',
    '评论',
    'Comentario',
    'Commentaire',
    'Kommentar',
  ],
  notice: [
    'Your email address will not be published. Required fields are marked *',
    '您的电子邮箱地址不会被公开。必填项已用 * 标注',
    'Tu dirección de correo electrónico no será publicada. Los campos obligatorios están marcados con *',
    'Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *',
    'Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert',
  ],
  remember: [
    'Save my name, email, and website in this browser for the next time I comment.',
    '在此浏览器中保存我的名称、电子邮箱和网站地址，以便下次评论时使用。',
    'Guarda mi nombre, correo electrónico y web en este navegador para la próxima vez que comente.',
    'Enregistrer mon nom, mon e-mail et mon site dans le navigateur pour mon prochain commentaire.',
    'Meinen Namen, meine E-Mail-Adresse und meine Website in diesem Browser für die nächste Kommentierung speichern.',
  ],
  submit: [
    'Post Comment',
    '发表评论',
    'Publicar el comentario',
    'Publier le commentaire',
    'Kommentar abschicken',
  ],
  sending: [
    'Posting…',
    '正在发表…',
    'Publicando…',
    'Publication…',
    'Wird gesendet…',
  ],
  required_name: [
    'Please enter your name.',
    '请输入您的名称。',
    'Escribe tu nombre.',
    'Veuillez saisir votre nom.',
    'Bitte gib deinen Namen ein.',
  ],
  required_email: [
    'Please enter your email address.',
    '请输入您的电子邮箱地址。',
    'Escribe tu dirección de correo electrónico.',
    'Veuillez saisir votre adresse e-mail.',
    'Bitte gib deine E-Mail-Adresse ein.',
  ],
  required_body: [
    'Please write a comment.',
    '请填写评论内容。',
    'Escribe un comentario.',
    'Veuillez écrire un commentaire.',
    'Bitte schreibe einen Kommentar.',
  ],
  invalid_email: [
    'Please enter a valid email address, like name@example.com.',
    '请输入有效的电子邮箱地址，例如 name@example.com。',
    'Escribe una dirección de correo válida, como nombre@example.com.',
    'Veuillez saisir une adresse e-mail valide, comme nom@example.com.',
    'Bitte gib eine gültige E-Mail-Adresse ein, etwa name@example.com.',
  ],
  invalid_website: [
    'Please enter a web address starting with http:// or https://.',
    '请输入以 http:// 或 https:// 开头的网址。',
    'Escribe una dirección web que empiece por http:// o https://.',
    'Veuillez saisir une adresse web commençant par http:// ou https://.',
    'Bitte gib eine Webadresse ein, die mit http:// oder https:// beginnt.',
  ],
  invalid: [
    'Please check this field.',
    '请检查此项。',
    'Revisa este campo.',
    'Veuillez vérifier ce champ.',
    'Bitte prüfe dieses Feld.',
  ],
  too_long: [
    'This is too long.',
    '内容过长。',
    'Es demasiado largo.',
    'C’est trop long.',
    'Das ist zu lang.',
  ],
  fix: [
    'Please correct the marked fields.',
    '请更正标记的字段。',
    'Corrige los campos marcados.',
    'Veuillez corriger les champs signalés.',
    'Bitte korrigiere die markierten Felder.',
  ],
  offline: [
    'Could not reach the comment server. Your text is still here: please try again.',
    '无法连接评论服务器。您输入的内容仍然保留，请重试。',
    'No se pudo conectar con el servidor de comentarios. Tu texto sigue aquí: inténtalo de nuevo.',
    'Impossible de joindre le serveur de commentaires. Votre texte est conservé : veuillez réessayer.',
    'Der Kommentar-Server ist nicht erreichbar. Dein Text bleibt erhalten: bitte versuche es erneut.',
  ],
  posted: [
    'Your comment has been published.',
    '您的评论已发布。',
    'Tu comentario se ha publicado.',
    'Votre commentaire a été publié.',
    'Dein Kommentar wurde veröffentlicht.',
  ],
  awaiting: [
    'Your comment is awaiting moderation.',
    '您的评论正在等待审核。',
    'Tu comentario está pendiente de moderación.',
    'Votre commentaire est en attente de modération.',
    'Dein Kommentar muss noch freigegeben werden.',
  ],
  rate_limited: [
    'You are posting too quickly. Please wait a moment and try again.',
    '您发表得太快了，请稍后再试。',
    'Estás publicando demasiado rápido. Espera un momento e inténtalo de nuevo.',
    'Vous publiez trop vite. Patientez un instant puis réessayez.',
    'Du kommentierst zu schnell. Bitte warte einen Moment.',
  ],
  duplicate_comment: [
    'You have already posted this comment.',
    '您已经发表过这条评论。',
    'Ya has publicado este comentario.',
    'Vous avez déjà publié ce commentaire.',
    'Diesen Kommentar hast du bereits geschrieben.',
  ],
  thread_locked: [
    'Comments are closed.',
    '评论已关闭。',
    'Los comentarios están cerrados.',
    'Les commentaires sont fermés.',
    'Die Kommentare sind geschlossen.',
  ],
  origin_not_allowed: [
    'Comments are unavailable on this site.',
    '此网站无法使用评论。',
    'Los comentarios no están disponibles en este sitio.',
    'Les commentaires ne sont pas disponibles sur ce site.',
    'Kommentare sind auf dieser Website nicht verfügbar.',
  ],
  comment_rejected: [
    'Your comment could not be posted.',
    '您的评论无法发表。',
    'No se pudo publicar tu comentario.',
    'Votre commentaire n’a pas pu être publié.',
    'Dein Kommentar konnte nicht veröffentlicht werden.',
  ],
  parent_not_found: [
    'The comment you are replying to is no longer available.',
    '您要回复的评论已不存在。',
    'El comentario al que respondes ya no está disponible.',
    'Le commentaire auquel vous répondez n’est plus disponible.',
    'Der Kommentar, auf den du antwortest, ist nicht mehr verfügbar.',
  ],
  edit_window_closed: [
    'This comment can no longer be changed.',
    '此评论已无法修改。',
    'Este comentario ya no se puede cambiar.',
    'Ce commentaire ne peut plus être modifié.',
    'Dieser Kommentar kann nicht mehr geändert werden.',
  ],
  generic: [
    'Something went wrong. Please try again.',
    '出错了，请重试。',
    'Algo ha fallado. Inténtalo de nuevo.',
    'Une erreur est survenue. Veuillez réessayer.',
    'Etwas ist schiefgegangen. Bitte versuche es erneut.',
  ],
  edit: [
    'Edit',
    '编辑',
    'Editar',
    'Modifier',
    'Bearbeiten',
  ],
  editLabel: [
    'Edit your comment',
    '编辑您的评论',
    'Edita tu comentario',
    'Modifier votre commentaire',
    'Deinen Kommentar bearbeiten',
  ],
  save: [
    'Save',
    '保存',
    'Guardar',
    'Enregistrer',
    'Speichern',
  ],
  cancel: [
    'Cancel',
    '取消',
    'Cancelar',
    'Annuler',
    'Abbrechen',
  ],
  del: [
    'Delete',
    '删除',
    'Eliminar',
    'Supprimer',
    'Löschen',
  ],
  confirmDel: [
    'Delete your comment? This cannot be undone.',
    '确定删除您的评论吗？此操作无法撤销。',
    '¿Eliminar tu comentario? No se puede deshacer.',
    'Supprimer votre commentaire ? Cette action est définitive.',
    'Deinen Kommentar löschen? Das lässt sich nicht rückgängig machen.',
  ],
  deletedMsg: [
    'Your comment was deleted.',
    '您的评论已删除。',
    'Tu comentario se ha eliminado.',
    'Votre commentaire a été supprimé.',
    'Dein Kommentar wurde gelöscht.',
  ],
  updatedMsg: [
    'Your comment was updated.',
    '您的评论已更新。',
    'Tu comentario se ha actualizado.',
    'Votre commentaire a été modifié.',
    'Dein Kommentar wurde geändert.',
  ],
  edited: [
    'edited',
    '已编辑',
    'editado',
    'modifié',
    'bearbeitet',
  ],
  deleted: [
    '[deleted]',
    '[已删除]',
    '[eliminado]',
    '[supprimé]',
    '[gelöscht]',
  ],
  moderator: [
    'Moderator',
    '版主',
    'Moderador',
    'Modérateur',
    'Moderator',
  ],
  hp: ['Leave this field empty'],
  hint: [
    'Markdown works: **bold**, *italic*, [a link](https://example.org), > quote, `code`.',
    '支持 Markdown：**粗体**、*斜体*、[链接](https://example.org)、> 引用、`代码`。',
    'Puedes usar Markdown: **negrita**, *cursiva*, [un enlace](https://example.org), > cita, `código`.',
    'Markdown fonctionne : **gras**, *italique*, [un lien](https://example.org), > citation, `code`.',
    'Markdown funktioniert: **fett**, *kursiv*, [ein Link](https://example.org), > Zitat, `Code`.',
  ],
  preview: [
    'Preview',
    '预览',
    'Vista previa',
    'Aperçu',
    'Vorschau',
  ],
  notify: [
    'Notify me of follow-up replies by email',
    '有人回复时通过电子邮件通知我',
    'Avisarme por correo de las respuestas',
    'Me prévenir par e-mail des réponses',
    'Per E-Mail über Antworten benachrichtigen',
  ],
  signIn: [
    'Sign in',
    '登录',
    'Iniciar sesión',
    'Se connecter',
    'Anmelden',
  ],
  signOut: [
    'Sign out',
    '退出',
    'Cerrar sesión',
    'Se déconnecter',
    'Abmelden',
  ],
  myComments: [
    'My comments',
    '我的评论',
    'Mis comentarios',
    'Mes commentaires',
    'Meine Kommentare',
  ],
  signedIn: [
    'Signed in as {name}.',
    '已登录为 {name}。',
    'Sesión iniciada como {name}.',
    'Connecté en tant que {name}.',
    'Angemeldet als {name}.',
  ],
  signInFirst: [
    'Sign in to comment.',
    '登录后才能评论。',
    'Inicia sesión para comentar.',
    'Connectez-vous pour commenter.',
    'Melden Sie sich an, um zu kommentieren.',
  ],
  sign_in_required: [
    'Please sign in again.',
    '请重新登录。',
    'Vuelve a iniciar sesión.',
    'Veuillez vous reconnecter.',
    'Bitte melden Sie sich erneut an.',
  ],
} satisfies Record<string, Words<string> | Words<readonly [string, string]>>;

export type Strings = { -readonly [K in keyof typeof WORDS]: (typeof WORDS)[K][0] };

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
  const i = Math.max(0, LANG_ORDER.indexOf(lang as (typeof LANG_ORDER)[number]));
  return Object.fromEntries(Object.entries(WORDS).map(([k, v]) => [k, v[i] ?? v[0]])) as Strings;
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
