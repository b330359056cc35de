/** Akismet as a pipeline check, and the mapping from a stored comment to Akismet's context (for re-checks and feedback). */
import type { Comment } from '../domain/comment.js';
import type { AkismetClient, AkismetComment } from './akismet.js';
import { HONEYPOT_FIELD } from '../domain/comment.js';
import type { NamedCheck, SpamInput, Verdict } from './pipeline.js';

/** `blog` is PUBLIC_URL when set, else the article's own origin. */
function blogFor(threadUrl: string | null, publicUrl: string | null): string | undefined {
  if (publicUrl) return undefined;
  try {
    return threadUrl ? new URL(threadUrl).origin : undefined;
  } catch {
    return undefined;
  }
}

export function akismetInputOf(input: SpamInput, publicUrl: string | null): AkismetComment {
  const blog = blogFor(input.threadUrl, publicUrl);
  return {
    ip: input.context.ip,
    userAgent: input.context.userAgent,
    referrer: input.context.referrer,
    permalink: input.threadUrl,
    type: input.isReply ? 'reply' : 'comment',
    author: input.author.name,
    email: input.author.email,
    url: input.author.website,
    content: input.body,
    dateGmt: input.now,
    honeypotName: HONEYPOT_FIELD,
    honeypotValue: input.form?.honeypot ?? '',
    ...(input.recheckReason ? { recheckReason: input.recheckReason } : {}),
    ...(blog ? { blog } : {}),
  };
}

/** The commenter's original context, as stored with the comment: feedback and re-checks never use the moderator's. */
export function spamInputOfStored(c: Comment, threadUrl: string | null): SpamInput {
  return {
    threadKey: c.threadKey,
    threadUrl,
    isReply: c.parentId !== null,
    author: { name: c.author.name, email: c.author.email, website: c.author.website },
    body: c.body,
    context: c.context,
    form: { token: undefined, honeypot: undefined },
    now: c.createdAt,
  };
}

export function akismetCheck(client: AkismetClient, publicUrl: string | null): NamedCheck {
  return {
    name: 'akismet',
    run: async (input): Promise<Verdict> => {
      const v = await client.check(akismetInputOf(input, publicUrl));
      switch (v.result) {
        case 'ham':
          return { kind: 'ham', reason: 'akismet_ham' };
        case 'spam':
          return { kind: 'spam', reason: 'akismet_spam' };
        case 'discard':
          return { kind: 'discard', reason: 'akismet_discard' };
        case 'unchecked':
          return { kind: 'unchecked', reason: `akismet_${v.reason}` };
      }
    },
  };
}
