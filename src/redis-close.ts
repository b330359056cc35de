/** Closing a node-redis connection without letting a hung server hold the shutdown. */

/** What closing needs of a node-redis client. */
export interface ClosableRedis {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  close(): Promise<unknown>;
  destroy(): void;
}

const CLOSE_WAIT_MS = 1000;

/**
 * close() waits for pending commands, so a Redis that accepted the connection and then hung would hold the shutdown
 * forever: wait briefly, then drop the connection. A client that is not connected is dropped at once.
 */
export async function closeRedis(client: ClosableRedis, waitMs = CLOSE_WAIT_MS): Promise<void> {
  if (!client.isReady) {
    if (client.isOpen) client.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    client.close().then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    }),
  ]);
  clearTimeout(timer);
  if (!closed && client.isOpen) client.destroy();
}
