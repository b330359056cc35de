/** The languages moderator mails are written in: the widget's five (web/embed/i18n.ts). */
export const MODERATOR_LANGS = ['en', 'zh-CN', 'es', 'fr', 'de'] as const;
export type ModeratorLang = (typeof MODERATOR_LANGS)[number];

/** A language code (en, fr_ca, de-AT, zh, zh-Hans…) as one of MODERATOR_LANGS, or null when none fits. */
export function moderatorLangOf(code: string): ModeratorLang | null {
  const tag = code.trim().toLowerCase().replace(/_/g, '-');
  if (/^zh(-(cn|sg|hans)(-|$)|$)/.test(tag)) return 'zh-CN';
  const base = tag.split('-')[0];
  return base !== undefined && (MODERATOR_LANGS as readonly string[]).includes(base) ? (base as ModeratorLang) : null;
}
