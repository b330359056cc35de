/** Request shapes of sign-in and moderator accounts (zod); the field rules themselves are domain/moderator.ts's. */
import { z } from 'zod';
import { MODERATOR_ROLES, PASSWORD_MAX } from '../../domain/moderator.js';

const required = (i: { input: unknown }) => (i.input === undefined ? 'required' : 'invalid');
const email = z.string({ error: required }).trim().min(1, 'required').max(254, 'too_long');
const password = z.string({ error: required }).min(1, 'required').max(PASSWORD_MAX, 'too_long');

export const accountSchemas = {
  signInBody: z.object({ email, password }).strict(),
  moderatorBody: z
    .object({
      email,
      name: z.string({ error: required }).trim().min(1, 'required').max(64, 'too_long'),
      role: z.enum(MODERATOR_ROLES, { error: 'invalid' }),
      password,
    })
    .strict(),
  passwordBody: z.object({ password }).strict(),
  moderatorId: z.string().min(1).max(64),
};
