/** Wires notifications from the config: the notifier the use cases call and the channels the outbox job uses. */
import type { Config } from '../config.js';
import type { Deliver } from '../jobs/outbox-job.js';
import type { Logger } from '../logger.js';
import type { OutboxChannel } from '../storage/outbox-port.js';
import type { Storage } from '../storage/storage.js';
import type { Comment } from '../domain/comment.js';
import { mailChannel } from './mail.js';
import { moderatorAlert, moderatorDigest, type HeldItem } from './moderator-templates.js';
import { createModeratorDigest, isDigestDue } from './moderator-digest.js';
import type { ModeratorLang } from './mail-lang.js';
import { createNotifier, type ModeratorAlert, type Notifier } from './notifier.js';
import { webhookChannel } from './webhook.js';
import { LINK_VALID_MS, signModerationLink } from './moderation-link.js';

export interface NotificationsDeps {
  config: Readonly<Config>;
  storage: Storage;
  clock: () => Date;
  newId: () => string;
  logger: Logger;
  /** Signs the approve/spam links of moderator alerts. */
  secret: string;
}

export function createNotifications({ config, storage, clock, newId, logger, secret }: NotificationsDeps): {
  notifier: Notifier;
  channels: Partial<Record<OutboxChannel, Deliver>>;
  close(): void;
} {
  const n = config.notify;
  const channels: Partial<Record<OutboxChannel, Deliver>> = {};
  if (n.webhookKey && n.webhookUrls.length > 0) {
    channels.webhook = webhookChannel({ key: n.webhookKey, clock });
    logger.info({ receivers: n.webhookUrls.length }, 'webhooks on');
  }
  let mail: ReturnType<typeof mailChannel> | null = null;
  if (n.smtpUrl && n.mailFrom) {
    const domain = config.publicUrl ? new URL(config.publicUrl).hostname : 'parley.invalid';
    mail = mailChannel({ smtpUrl: n.smtpUrl, from: n.mailFrom, domain });
    channels.mail = mail.deliver;
    logger.info({ moderators: n.moderatorEmails.length, digestMinutes: n.moderatorDigestMinutes, lang: n.moderatorLang }, 'mail on (SMTP_URL is set)');
  } else {
    logger.info('SMTP_URL is not set: mail notifications are off');
  }
  const adminUrl = config.publicUrl ? `${config.publicUrl}/admin` : null;
  const mailTo = { adminUrl, to: n.moderatorEmails, lang: n.moderatorLang as ModeratorLang };
  /** A held comment as a moderator mail shows it, with fresh signed links. */
  const heldItem = async (comment: Comment): Promise<HeldItem> => {
    const threadUrl = comment.threadKey.startsWith('http') ? comment.threadKey : ((await storage.getThread(comment.threadKey))?.url ?? null);
    const expiresAt = new Date(clock().getTime() + LINK_VALID_MS);
    const link = (action: 'approve' | 'spam') => `${config.publicUrl}/moderate/${signModerationLink(secret, { commentId: comment.id, action, expiresAt })}`;
    return { comment, threadUrl, links: config.publicUrl ? { approve: link('approve'), spam: link('spam') } : null };
  };
  const moderators = mail !== null && n.moderatorEmails.length > 0;
  const digest =
    mail && moderators && n.moderatorDigestMinutes > 0
      ? createModeratorDigest({
          outbox: storage,
          clock,
          newId,
          minutes: n.moderatorDigestMinutes,
          load: async (id) => {
            const comment = await storage.getComment(id);
            return comment ? heldItem(comment) : null;
          },
          render: (items) => moderatorDigest(items, mailTo),
          send: mail.send,
        })
      : null;
  if (mail && digest) {
    const single = mail.deliver;
    channels.mail = (m) => (isDigestDue(m.payload) ? digest.deliver(m) : single(m));
  }
  const alert: ModeratorAlert | null = moderators && !digest ? async (comment) => moderatorAlert(await heldItem(comment), mailTo) : null;
  const notifier = createNotifier({ outbox: storage, clock, newId, logger, webhookUrls: channels.webhook ? n.webhookUrls : [], moderatorAlert: alert, moderatorDigest: digest?.held ?? null });
  return { notifier, channels, close: () => mail?.close() };
}
