/** Process entry: loadConfig → createApp → listen (a listen error is fatal, before any job starts) → jobs. SIGTERM/SIGINT: stop accepting, drain, close storage. */
import http from 'node:http';
import path from 'node:path';
import { pino } from 'pino';
import { createApp } from './app.js';
import { ConfigError, configHelp, loadConfig, readEnvironment, type Config } from './config.js';
import { createLogger } from './logger.js';
import { prepareDataDir } from './data-dir.js';
import { loadOrCreateSecret } from './secret-file.js';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(configHelp());
    return;
  }
  let config;
  let envFile: string | null = null;
  try {
    const environment = readEnvironment();
    envFile = environment.envFile;
    config = loadConfig(environment.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // pino's default destination, made explicit so the ready line below joins the same (asynchronous) stream in order.
  const stdout = pino.destination({ fd: 1, sync: false });
  const logger = createLogger(config.logLevel, stdout);
  if (envFile) logger.info({ envFile }, `read settings from ${envFile} (the process environment wins over it)`);
  // DATA_DIR holds the SQLite file and the generated secret; with MongoDB and SECRET set it is not used.
  if (!config.mongodbUri || !config.secret) prepareDataDir(config.dataDir);
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
  const accounts = (await app.storage.listModerators().catch(() => [])).length > 0;
  stdout.write(`${readyLine(config, app.storage.kind === 'sqlite' ? `SQLite at ${where}` : 'MongoDB (MONGODB_URI)', accounts)}\n`);

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

/** The start-up output's last line, for a person: where it answers, what it stores in, where the demo and admin are. */
function readyLine(config: Readonly<Config>, store: string, moderatorAccounts: boolean): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = (config.publicUrl ?? `http://${host}:${config.port}`).replace(/\/+$/, '');
  const admin =
    config.adminTokens.length > 0 || moderatorAccounts
      ? `moderation at ${base}/admin`
      : 'moderation page off (add an admin with `node dist/cli.js moderators add`, or set ADMIN_TOKEN, to enable /admin)';
  return `Parley is ready at ${base} · store: ${store} · demo at ${base}/demo · ${admin}`;
}

main().catch((err: unknown) => {
  process.stderr.write(`Parley failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
