/** The MongoDB side of the reply-subscriptions port (see ../subscriptions-port.ts): plain inserts, finds and updates (FerretDB v1). */
import mongoose, { Schema } from 'mongoose';
import type { Subscriber, Subscription, SubscriptionsPort } from '../subscriptions-port.js';
import { assertStrings, isDuplicateKey } from './mongo-errors.js';

export interface SubscriberDoc {
  _id: string;
  emailKey: string;
  email: string;
  lang: string;
  createdAt: Date;
  confirmedAt: Date | null;
}

export interface SubscriptionDoc {
  _id: string;
  emailKey: string;
  commentId: string;
  threadKey: string;
  lang: string;
  createdAt: Date;
}

const options = { versionKey: false, strict: 'throw', strictQuery: 'throw', autoIndex: false, autoCreate: false } as const;

export const subscriberSchema = new Schema<SubscriberDoc>(
  {
    _id: { type: String, required: true },
    emailKey: { type: String, required: true },
    email: { type: String, required: true },
    lang: { type: String, required: true },
    createdAt: { type: Date, required: true },
    confirmedAt: { type: Date, default: null },
  },
  { ...options, collection: 'subscribers' },
);
// One subscriber per address.
subscriberSchema.index({ emailKey: 1 }, { name: 'subscriber_address', unique: true });

export const subscriptionSchema = new Schema<SubscriptionDoc>(
  {
    _id: { type: String, required: true },
    emailKey: { type: String, required: true },
    commentId: { type: String, required: true },
    threadKey: { type: String, required: true },
    lang: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { ...options, collection: 'subscriptions' },
);
// One subscription per (address, comment); also an address's subscriptions (export, erase).
subscriptionSchema.index({ emailKey: 1, commentId: 1 }, { name: 'subscription_unique', unique: true });
// Who follows a comment that was just answered.
subscriptionSchema.index({ commentId: 1 }, { name: 'subscription_comment' });
// Unsubscribing from one thread.
subscriptionSchema.index({ emailKey: 1, threadKey: 1 }, { name: 'subscription_thread' });

export const toSubscriber = (d: SubscriberDoc): Subscriber => ({
  id: d._id,
  emailKey: d.emailKey,
  email: d.email,
  lang: d.lang,
  createdAt: new Date(d.createdAt),
  confirmedAt: d.confirmedAt ? new Date(d.confirmedAt) : null,
});

export const toSubscription = (d: SubscriptionDoc): Subscription => ({
  id: d._id,
  emailKey: d.emailKey,
  commentId: d.commentId,
  threadKey: d.threadKey,
  lang: d.lang,
  createdAt: new Date(d.createdAt),
});

export function mongoSubscriptions(
  subscribers: mongoose.Model<SubscriberDoc>,
  subscriptions: mongoose.Model<SubscriptionDoc>,
  guarded: <T>(op: () => Promise<T>) => Promise<T>,
): SubscriptionsPort {
  const byKey = async (emailKey: string) => {
    const d = await subscribers.findOne({ emailKey }).lean<SubscriberDoc>();
    return d ? toSubscriber(d) : undefined;
  };
  const byId = async (id: string) => {
    const d = await subscribers.findById(id).lean<SubscriberDoc>();
    return d ? toSubscriber(d) : undefined;
  };
  return {
    ensureSubscriber(c) {
      return guarded(async () => {
        const found = await byKey(c.emailKey);
        if (found) return { subscriber: found, created: false };
        try {
          await subscribers.create({ _id: c.id, emailKey: c.emailKey, email: c.email, lang: c.lang, createdAt: c.createdAt, confirmedAt: null });
          return { subscriber: { ...c, confirmedAt: null }, created: true };
        } catch (err) {
          // Another request created it meanwhile.
          if (!isDuplicateKey(err)) throw err;
          return { subscriber: (await byKey(c.emailKey))!, created: false };
        }
      });
    },
    getSubscriber(id) {
      return guarded(() => byId(id));
    },
    findSubscriber(emailKey) {
      return guarded(() => byKey(emailKey));
    },
    confirmSubscriber(id, at) {
      return guarded(async () => {
        await subscribers.updateOne({ _id: id, confirmedAt: null }, { $set: { confirmedAt: at } });
        return byId(id);
      });
    },
    addSubscription(s) {
      return guarded(async () => {
        try {
          await subscriptions.create({ _id: s.id, emailKey: s.emailKey, commentId: s.commentId, threadKey: s.threadKey, lang: s.lang, createdAt: s.createdAt });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      });
    },
    getSubscription(id) {
      return guarded(async () => {
        const d = await subscriptions.findById(id).lean<SubscriptionDoc>();
        return d ? toSubscription(d) : undefined;
      });
    },
    listSubscriptionsTo(commentIds) {
      return guarded(async () => {
        if (commentIds.length === 0) return [];
        assertStrings(commentIds, 'commentIds');
        const found = await subscriptions.find({ commentId: mongoose.trusted({ $in: [...commentIds] }) }).sort({ createdAt: 1, _id: 1 }).lean<SubscriptionDoc[]>();
        return found.map(toSubscription);
      });
    },
    listSubscriptionsOf(emailKey) {
      return guarded(async () => (await subscriptions.find({ emailKey }).sort({ createdAt: 1, _id: 1 }).lean<SubscriptionDoc[]>()).map(toSubscription));
    },
    unsubscribe({ emailKey, threadKey }) {
      return guarded(async () => {
        if (threadKey !== undefined) return (await subscriptions.deleteMany({ emailKey, threadKey })).deletedCount;
        const removed = (await subscriptions.deleteMany({ emailKey })).deletedCount;
        await subscribers.deleteMany({ emailKey });
        return removed;
      });
    },
  };
}
