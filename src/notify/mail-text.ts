/** Small text helpers every mail template uses: slots, plural forms, one-line subjects, the HTML frame. */
import type { ModeratorLang } from './mail-lang.js';

/** A value in a `{slot}`, literally (a function replacer keeps `$&` in a name as is). */
export const put = (template: string, slots: Record<string, string>) => template.replace(/\{(\w+)\}/g, (m, k: string) => slots[k] ?? m);
export const plural = (lang: ModeratorLang, forms: [string, string], n: number) =>
  put(forms[new Intl.PluralRules(lang).select(n) === 'one' ? 0 : 1], { n: String(n) });
export const excerpt = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
/** One line, no control characters: a subject line built from reader input must not break the header. */
export const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
export const htmlDoc = (lang: ModeratorLang, body: string) => `<!doctype html><html lang="${lang}"><body>\n${body}\n</body></html>`;
