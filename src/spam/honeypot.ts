/** A field real people never see or fill (the widget hides it); bots that fill every input give themselves away. */
import { HONEYPOT_FIELD } from '../domain/comment.js';
import type { NamedCheck } from './pipeline.js';

export { HONEYPOT_FIELD };

export function honeypotCheck(): NamedCheck {
  return {
    name: 'honeypot',
    run: async ({ form }) => (form?.honeypot !== undefined && form.honeypot.trim() !== '' ? { kind: 'spam', reason: 'honeypot_filled' } : undefined),
  };
}
