/** Process entry: loadConfig → createApp → listen (a listen error is fatal, before any job starts) → jobs. SIGTERM/SIGINT: stop accepting, drain, close storage. */
import http from 'node:http';
import path from 'node:path';
import { createApp } from './app.js';
import { ConfigError, configHelp, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { loadOrCreateSecret } from './secret-file.js';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(configHelp());
    return;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const secret = config.secret ?? loadOrCreateSecret(config.dataDir, logger);
  const app = await createApp({ config, secret, logger });

  // Not app.listen(): Express 5 calls its callback on a listen error too, so the "listening" line and the jobs
  // would come before the failure.
  const server = http.createServer(app.http);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const cause = code === 'EADDRINUSE' ? 'the port is already in use' : code === 'EACCES' ? 'permission denied' : message;
    logger.fatal({ port: config.port, host: config.host, code }, `could not listen on ${config.host}:${config.port}: ${cause}`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  server.on('error', (err) => {
    logger.fatal({ err }, 'server error');
    process.exit(1);
  });
  const where = app.storage.kind === 'sqlite' ? path.resolve(config.dataDir, 'parley.db') : 'MongoDB (MONGODB_URI)';
  logger.info({ port: config.port, host: config.host, storage: app.storage.kind, where }, `Parley listening on http://localhost:${config.port}`);
  app.startJobs();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: no new connections, draining requests');
    const force = setTimeout(() => {
      logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    // A keep-alive connection whose last request just finished would otherwise hold the drain open until its idle
    // timeout: close connections as soon as they are idle.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      app
        .close()
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'error while closing storage');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Parley failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
