/** Composition root: the only file that wires concrete parts (storage adapter, clock, ids, logger). */
import type { Express } from 'express';
import { monotonicFactory } from 'ulid';
import { createCommentService } from './comments/comment-service.js';
import type { Config } from './config.js';
import { createHttpApp } from './http/create-http-app.js';
import type { Logger } from './logger.js';
import { openStorage } from './storage/open-storage.js';
import type { Storage } from './storage/storage.js';

export interface AppDeps {
  config: Readonly<Config>;
  /** The resolved server secret (config.secret or the one stored in DATA_DIR). */
  secret: string;
  logger: Logger;
  /** Tests may pass an already-open store (for example MongoDB); otherwise it is opened from config. */
  storage?: Storage;
  clock?: () => Date;
}

export interface App {
  http: Express;
  storage: Storage;
  close(): Promise<void>;
}

export async function createApp(deps: AppDeps): Promise<App> {
  const { config, secret, logger } = deps;
  const storage = deps.storage ?? (await openStorage(config, logger));
  const clock = deps.clock ?? (() => new Date());
  // ULIDs sort by creation time, and the monotonic factory keeps ids ordered within one millisecond.
  const ulid = monotonicFactory();
  const service = createCommentService({
    storage,
    clock,
    newId: () => ulid(clock().getTime()),
    settings: {
      secret,
      avatars: config.avatars,
      maxDepth: config.maxDepth,
      editWindowMinutes: config.editWindowMinutes,
      threadPolicy: { allowedOrigins: config.allowedOrigins },
    },
  });
  const http = createHttpApp({ service, logger, trustProxy: config.trustProxy });
  return {
    http,
    storage,
    async close() {
      await storage.close();
    },
  };
}
