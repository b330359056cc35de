/** The widget's message filling: a commenter's name goes in literally, whatever `String.replace` patterns it holds. */
import { describe, expect, it } from '@jest/globals';
import { countText, fill, strings } from '../../web/embed/i18n.js';

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
