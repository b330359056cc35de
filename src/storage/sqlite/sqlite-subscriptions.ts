/** The SQLite side of the reply-subscriptions port (see ../subscriptions-port.ts). */
import type { Database } from 'better-sqlite3';
import type { Subscriber, Subscription, SubscriptionsPort } from '../subscriptions-port.js';
import { placeholders, statementCache } from './sqlite-statements.js';

export interface SubscriberRow {
  id: string;
  email_key: string;
  email: string;
  lang: string;
  created_at: number;
  confirmed_at: number | null;
}

export interface SubscriptionRow {
  id: string;
  email_key: string;
  comment_id: string;
  thread_key: string;
  lang: string;
  created_at: number;
}

export const toSubscriber = (r: SubscriberRow): Subscriber => ({
  id: r.id,
  emailKey: r.email_key,
  email: r.email,
  lang: r.lang,
  createdAt: new Date(r.created_at),
  confirmedAt: r.confirmed_at === null ? null : new Date(r.confirmed_at),
});

export const toSubscription = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  emailKey: r.email_key,
  commentId: r.comment_id,
  threadKey: r.thread_key,
  lang: r.lang,
  createdAt: new Date(r.created_at),
});

export function sqliteSubscriptions(db: Database): SubscriptionsPort {
  const insertSubscriber = db.prepare(
    'INSERT INTO subscribers (id, email_key, email, lang, created_at, confirmed_at) VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING',
  );
  const byId = db.prepare('SELECT * FROM subscribers WHERE id = ?');
  const byKey = db.prepare('SELECT * FROM subscribers WHERE email_key = ?');
  const confirm = db.prepare('UPDATE subscribers SET confirmed_at = coalesce(confirmed_at, ?) WHERE id = ?');
  const insertSubscription = db.prepare(
    'INSERT INTO subscriptions (id, email_key, comment_id, thread_key, lang, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const subscriptionById = db.prepare('SELECT * FROM subscriptions WHERE id = ?');
  const ofAddress = db.prepare('SELECT * FROM subscriptions WHERE email_key = ? ORDER BY created_at, id');
  const dropThread = db.prepare('DELETE FROM subscriptions WHERE email_key = ? AND thread_key = ?');
  const dropAll = db.prepare('DELETE FROM subscriptions WHERE email_key = ?');
  const dropSubscriber = db.prepare('DELETE FROM subscribers WHERE email_key = ?');
  const cached = statementCache(db);

  const ensureTx = db.transaction((c: Omit<Subscriber, 'confirmedAt'>) => {
    const created = insertSubscriber.run(c.id, c.emailKey, c.email, c.lang, c.createdAt.getTime()).changes === 1;
    return { subscriber: toSubscriber(byKey.get(c.emailKey) as SubscriberRow), created };
  });
  const unsubscribeAllTx = db.transaction((emailKey: string) => {
    const removed = dropAll.run(emailKey).changes;
    dropSubscriber.run(emailKey);
    return removed;
  });

  return {
    async ensureSubscriber(candidate) {
      return ensureTx(candidate);
    },
    async getSubscriber(id) {
      const r = byId.get(id) as SubscriberRow | undefined;
      return r && toSubscriber(r);
    },
    async findSubscriber(emailKey) {
      const r = byKey.get(emailKey) as SubscriberRow | undefined;
      return r && toSubscriber(r);
    },
    async confirmSubscriber(id, at) {
      if (confirm.run(at.getTime(), id).changes === 0) return undefined;
      return toSubscriber(byId.get(id) as SubscriberRow);
    },
    async addSubscription(s) {
      insertSubscription.run(s.id, s.emailKey, s.commentId, s.threadKey, s.lang, s.createdAt.getTime());
    },
    async getSubscription(id) {
      const r = subscriptionById.get(id) as SubscriptionRow | undefined;
      return r && toSubscription(r);
    },
    async listSubscriptionsTo(commentIds) {
      if (commentIds.length === 0) return [];
      const sql = `SELECT * FROM subscriptions INDEXED BY subscriptions_comment WHERE comment_id IN (${placeholders(commentIds.length)}) ORDER BY created_at, id`;
      return (cached(sql).all(...commentIds) as SubscriptionRow[]).map(toSubscription);
    },
    async listSubscriptionsOf(emailKey) {
      return (ofAddress.all(emailKey) as SubscriptionRow[]).map(toSubscription);
    },
    async unsubscribe({ emailKey, threadKey }) {
      return threadKey === undefined ? unsubscribeAllTx(emailKey) : dropThread.run(emailKey, threadKey).changes;
    },
  };
}
