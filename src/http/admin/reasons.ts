/**
 * The spam checks' and the publishing rule's reason codes in words a moderator understands. Every code written into
 * `spamReasons` (src/spam, src/comments, src/jobs) has an entry; tests/http/admin-reasons.test.ts checks that.
 */
const TEXT: Record<string, string> = {
  honeypot_filled: 'a hidden field only robots fill in was filled in',
  no_form_token: 'no form token (posted without loading the comment form)',
  form_token_invalid: 'the form token was not valid',
  form_token_expired: 'the form token had expired (the form was open a long time)',
  submitted_too_fast: 'submitted too fast after the form was shown',
  too_many_links: 'too many links',
  banned_word: 'contains a banned word',
  akismet_ham: 'Akismet: not spam',
  akismet_spam: 'Akismet: spam',
  akismet_discard: 'Akismet: blatant spam',
  akismet_timeout: 'Akismet did not answer in time, re-checking',
  akismet_unreachable: 'Akismet unreachable, re-checking',
  akismet_server_error: 'Akismet had an error, re-checking',
  akismet_unexpected_answer: 'Akismet gave an unexpected answer, re-checking',
  akismet_invalid_key: 'the Akismet key was refused (check AKISMET_KEY), re-checking',
  akismet_no_answer: 'Akismet has not answered yet, re-checking',
  recheck_gave_up: 'Akismet never answered: decide yourself',
  moderation_all: 'every comment is reviewed (MODERATION=all)',
  first_time_commenter: 'first comment from this email',
  edited_after_approval: 'edited after approval',
  trusted_sign_in: 'signed in through the site (SSO_TRUSTED): first-time moderation skipped',
};

/** Every code this module knows (for tests and the OpenAPI description). */
export const KNOWN_REASON_CODES: readonly string[] = Object.keys(TEXT);

/**
 * One reason in words; the link count is read from the comment's rendered HTML ("3 links", counted as the links
 * check counts them). An unknown code is shown as is.
 */
export function reasonText(code: string, html: string): string {
  if (code === 'too_many_links') {
    const n = (html.match(/<a\s/g) ?? []).length;
    return `${n} link${n === 1 ? '' : 's'} (more than allowed)`;
  }
  return TEXT[code] ?? code;
}
