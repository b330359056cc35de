/** Picks the adapter from config: SQLite in DATA_DIR by default, MongoDB when MONGODB_URI is set. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Storage } from './storage.js';

export async function openStorage(config: Pick<Config, 'mongodbUri' | 'mongodbTimeoutMs' | 'dataDir'>, logger: Logger): Promise<Storage> {
  if (config.mongodbUri) {
    // Loaded only when used, so the SQLite default never pays for the MongoDB driver.
    const { openMongoStorage } = await import('./mongo/mongo-storage.js');
    return openMongoStorage({ uri: config.mongodbUri, timeoutMs: config.mongodbTimeoutMs, logger });
  }
  const { openSqliteStorage } = await import('./sqlite/sqlite-storage.js');
  return openSqliteStorage({ dataDir: config.dataDir });
}
