/**
 * The widget's words: every message in all five languages (the widget's and the "My comments" view's), and message
 * filling: a commenter's name goes in literally, whatever `String.replace` patterns it holds.
 */
import { describe, expect, it } from '@jest/globals';
import { countText, fill, strings } from '../../web/embed/i18n.js';
import { ME_LANGS } from '../../web/embed/me/i18n.js';

const LANGS = ['en', 'zh-CN', 'es', 'fr', 'de'];
const filled = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 && v.every(filled) : typeof v === 'string' && v.trim() !== '');

describe('the five languages', () => {
  it('have every message of the widget, none empty, and translated', () => {
    const en = strings('en');
    for (const lang of LANGS) {
      const s = strings(lang);
      expect(Object.keys(s).sort()).toEqual(Object.keys(en).sort());
      expect(Object.entries(s).filter(([, v]) => !filled(v))).toEqual([]);
      if (lang !== 'en') expect([s.comments, s.myComments, s.signOut].filter((v, i) => v === [en.comments, en.myComments, en.signOut][i])).toEqual([]);
    }
    // An unknown language is English.
    expect(strings('pt')).toEqual(en);
  });

  it('have every message of the "My comments" view (me.js), none empty, and translated', () => {
    const en = ME_LANGS.en!;
    expect(Object.keys(ME_LANGS).sort()).toEqual([...LANGS].sort());
    for (const lang of LANGS) {
      const s = ME_LANGS[lang]!;
      expect(Object.keys(s).sort()).toEqual(Object.keys(en).sort());
      expect(Object.entries(s).filter(([, v]) => !filled(v))).toEqual([]);
      if (lang !== 'en') expect(Object.keys(en).filter((k) => k !== 'loaded' && s[k as keyof typeof s] === en[k as keyof typeof en])).toEqual([]);
    }
  });
});

describe('fill', () => {
  it('puts `$\'`, `$&`, `$$` and `$1` in a name as they are', () => {
    const s = strings('en');
    expect(fill(s.replyTo, 'name', "Eve $' $& $$ $1 $`")).toBe("Reply to Eve $' $& $$ $1 $`");
    expect(fill(strings('de').replyTo, 'name', "$'")).toContain("$'");
  });

  it('still fills counts', () => {
    expect(countText(strings('en'), 'en', 1)).toBe('1 comment');
    expect(countText(strings('en'), 'en', 1200)).toBe('1,200 comments');
  });
});
