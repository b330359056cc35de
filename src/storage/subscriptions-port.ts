/**
 * The reply-subscriptions side of the storage port: readers who asked to be mailed when someone answers their comment
 * (double opt-in). Pinned by tests/storage/subscriptions-contract.ts. Semantics every adapter keeps:
 * - One subscriber per address (`emailKey`, the keyed hash, is unique); `confirmedAt` stays null until the link in the
 *   confirmation mail is followed, and keeps its first value afterwards.
 * - One subscription per (address, comment): adding it again stores nothing.
 * - `unsubscribe` without a thread removes every subscription of the address and the subscriber itself (the next
 *   ask starts over with a confirmation mail); with a thread, only that thread's subscriptions.
 */

/** An address that asked for reply mails. */
export interface Subscriber {
  id: string;
  emailKey: string;
  email: string;
  /** The language of its first ask (one of the widget's five): the confirmation mail and the "everything" pages. */
  lang: string;
  createdAt: Date;
  confirmedAt: Date | null;
}

/** Replies to `commentId` are mailed to the subscriber of `emailKey` once it is confirmed. */
export interface Subscription {
  id: string;
  emailKey: string;
  commentId: string;
  threadKey: string;
  /** The thread's language as the widget that asked showed it. */
  lang: string;
  createdAt: Date;
}

export interface SubscriptionsPort {
  /** The address's subscriber; created (unconfirmed) from `candidate` when it has none. `created` tells which. */
  ensureSubscriber(candidate: Omit<Subscriber, 'confirmedAt'>): Promise<{ subscriber: Subscriber; created: boolean }>;
  getSubscriber(id: string): Promise<Subscriber | undefined>;
  findSubscriber(emailKey: string): Promise<Subscriber | undefined>;
  /** Sets confirmedAt unless already set; undefined when the subscriber does not exist. */
  confirmSubscriber(id: string, at: Date): Promise<Subscriber | undefined>;
  /** Stores nothing when the address already follows this comment. */
  addSubscription(subscription: Subscription): Promise<void>;
  getSubscription(id: string): Promise<Subscription | undefined>;
  /** Who follows replies to these comments, in one query. */
  listSubscriptionsTo(commentIds: readonly string[]): Promise<Subscription[]>;
  /** Every subscription of an address, oldest first (GDPR export). */
  listSubscriptionsOf(emailKey: string): Promise<Subscription[]>;
  /** Returns how many subscriptions were removed (see above for the subscriber). */
  unsubscribe(query: { emailKey: string; threadKey?: string | undefined }): Promise<number>;
}
