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
import { heldState, LINK_VALID_MS, signModerationLink } from './moderation-link.js';
import { createReaderNotifications, type ReaderNotifications } from './reader-notifications.js';

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
  /** Reader reply notifications; null when off (REPLY_NOTIFICATIONS=off, no mail, or no PUBLIC_URL for the links). */
  readers: ReaderNotifications | null;
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
    const state = config.publicUrl ? await heldState(storage, comment) : '';
    const link = (action: 'approve' | 'spam') => `${config.publicUrl}/moderate/${signModerationLink(secret, { commentId: comment.id, action, expiresAt, state })}`;
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

  // Reader reply notifications: their links need PUBLIC_URL.
  const readers =
    mail && config.publicUrl && n.replyNotifications
      ? createReaderNotifications({ storage, clock, newId, secret, publicUrl: config.publicUrl, defaultLang: n.moderatorLang as ModeratorLang })
      : null;
  if (readers && channels.mail) {
    const send = channels.mail;
    // A reply mail queued before its reader unsubscribed is dropped (settled without sending).
    channels.mail = async (m) => {
      if (await readers.stillWanted(m)) await send(m);
    };
  }
  if (n.replyNotifications && mail && !config.publicUrl) logger.warn('PUBLIC_URL is not set: reply notifications for readers are off (their mails need links)');
  else if (readers && !config.publicUrl!.startsWith('https://')) logger.warn('PUBLIC_URL is not https: mail clients ignore one-click unsubscribe (RFC 8058) over http');
  const notifier = createNotifier({
    outbox: storage,
    markers: storage,
    clock,
    newId,
    logger,
    webhookUrls: channels.webhook ? n.webhookUrls : [],
    moderatorAlert: alert,
    moderatorDigest: digest?.held ?? null,
    readers,
  });
  return { notifier, channels, readers, close: () => mail?.close() };
}
