/**
 * The outbox side of the storage port: notifications (webhook calls, mails) stored as messages and delivered by a
 * job, at least once. Semantics every adapter keeps:
 * - `idempotencyKey` is unique: enqueueing a key that exists stores nothing (a re-run after a crash cannot double a
 *   message). The receiver sees the message id (webhook-id, Message-ID), which stays the same across retries.
 * - A claim is a lease: `claimDueOutbox` takes pending messages with `nextAt <= now` whose lease has run out, and sets
 *   `leaseUntil` with a compare-and-set on the lease it read, so two instances never both hold a message. A sender
 *   that dies lets the lease run out and the message is claimed again (at least once, never lost).
 * - `settleOutbox` counts the attempt, records the outcome and clears the lease.
 */
/** `digest-item`: a held comment waiting for the moderator digest; parked (never due), settled by the digest. */
export type OutboxChannel = 'webhook' | 'mail' | 'digest-item';
export const OUTBOX_CHANNELS: readonly OutboxChannel[] = ['webhook', 'mail', 'digest-item'];
export type OutboxStatus = 'pending' | 'delivered' | 'failed';

export interface OutboxMessage {
  id: string;
  idempotencyKey: string;
  channel: OutboxChannel;
  /** JSON-serialisable; what the channel needs to deliver (target, body). Never parsed by the adapter. */
  payload: unknown;
  attempts: number;
  nextAt: Date;
  status: OutboxStatus;
  lastError: string | null;
  createdAt: Date;
  /** The claim's lease; null when unclaimed. */
  leaseUntil: Date | null;
  deliveredAt: Date | null;
}

export type NewOutboxMessage = Pick<OutboxMessage, 'id' | 'idempotencyKey' | 'channel' | 'payload' | 'nextAt' | 'createdAt'>;

export type OutboxOutcome =
  | { kind: 'delivered'; at: Date }
  | { kind: 'retry'; nextAt: Date; error: string }
  | { kind: 'failed'; error: string };

export interface OutboxQuery {
  channel?: OutboxChannel | undefined;
  status?: OutboxStatus | undefined;
  /** The id of the last message of the previous page (ids are time-ordered ULIDs): newest first. */
  before?: string | null | undefined;
  limit: number;
}

export interface OutboxPort {
  /** Stores the messages whose idempotency key is new; returns how many were stored. */
  enqueueOutbox(messages: readonly NewOutboxMessage[]): Promise<number>;
  /**
   * Leases up to `limit` due pending messages until `leaseUntil`, soonest first; returns those this caller won. With
   * `channel`, only that channel's messages (the job gives each channel its own slots, so one cannot starve another).
   */
  claimDueOutbox(query: { now: Date; leaseUntil: Date; limit: number; channel?: OutboxChannel | undefined }): Promise<OutboxMessage[]>;
  /** Records one attempt's outcome and releases the lease; undefined when the message does not exist. */
  settleOutbox(id: string, outcome: OutboxOutcome): Promise<OutboxMessage | undefined>;
  getOutbox(id: string): Promise<OutboxMessage | undefined>;
  /** Newest first (id descending). */
  listOutbox(query: OutboxQuery): Promise<OutboxMessage[]>;
  /** Makes a message due again now (pending, lease cleared, attempts kept); undefined when it does not exist. */
  retryOutbox(id: string, now: Date): Promise<OutboxMessage | undefined>;
  /** How many messages are pending, per channel (a channel with none may be missing). */
  countPendingOutbox(): Promise<Partial<Record<OutboxChannel, number>>>;
  /** Deletes delivered and failed messages created before `before` (their bodies hold names and texts); returns how many. */
  pruneOutbox(before: Date): Promise<number>;
}
