/**
 * The operator's command line (`parley`, or `node dist/cli.js`): the same config as the service (loadConfig), the
 * same storage (openStorage). Returns the exit code: 0 when everything went in, 1 when any record failed or the
 * command could not run, 2 for a usage error.
 */
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { COMMENT_STATUSES, type CommentStatus } from '../domain/comment.js';
import { createLogger, type Logger } from '../logger.js';
import { loadOrCreateSecret } from '../secret-file.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import type { ImportReport } from './import-report.js';
import { invalidateRunningCaches } from './invalidate-cache.js';
import { exportJson, importJson } from './json-transfer.js';
import { exportWordpress } from './wordpress-export.js';
import { createProgress } from './progress.js';
import { importDisqus } from './disqus-import.js';
import { importWordpress, parseMaps, type WordpressImportOptions } from './wordpress-import.js';
import { moderatorsCommand } from './moderators-command.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  /** Passwords for `moderators add|reset` (a hidden prompt on a terminal, or --password-stdin). */
  stdin?: Readable & { isTTY?: boolean };
}

/** The options every import command takes. */
interface ImportOpts {
  dryRun: boolean;
  map: string[];
  status?: CommentStatus;
}

type CommonImportOptions = WordpressImportOptions;

interface Context {
  config: Readonly<Config>;
  logger: Logger;
  storage: Storage;
}

class CliFailure extends Error {}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const say = (text: string) => io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

  async function withStore<T>(run: (ctx: Context) => Promise<T>): Promise<T> {
    let config: Readonly<Config>;
    try {
      config = loadConfig(io.env);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliFailure(err.message);
      throw err;
    }
    // Logs go to stderr: stdout may be carrying an export.
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, io.stderr);
    const storage = await openStorage(config, logger);
    try {
      return await run({ config, logger, storage });
    } finally {
      await storage.close();
    }
  }

  function openInput(file: string): { stream: Readable; size: number } {
    let size: number;
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile()) throw new CliFailure(`${file} is not a file.`);
      size = stat.size;
    } catch (err) {
      if (err instanceof CliFailure) throw err;
      throw new CliFailure(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}.`);
    }
    return { stream: fs.createReadStream(file), size };
  }

  async function finishImport(ctx: Context, report: ImportReport, dryRun: boolean, touched: Set<string>): Promise<void> {
    io.stdout.write(report.summary(dryRun));
    if (!dryRun && touched.size > 0) {
      // Imports send no notifications; they only make running instances drop what they cached.
      // Instances on the same SQLite file see the import by themselves (cache/external-writes.ts); MongoDB ones need Redis.
      const sqlite = !ctx.config.mongodbUri;
      const outcome = await invalidateRunningCaches(ctx.config.redisUrl);
      if (outcome === 'published') say('Running instances were told to drop their read caches (Redis).');
      else if (sqlite) say('Running instances on this database file drop their read caches within a second of the import.');
      else if (outcome === 'failed') say('Could not reach Redis: restart running instances so readers see the imported comments at once.');
      else say('No REDIS_URL: restart a running service so readers see the imported comments at once (its read cache is in memory).');
    }
    if (report.failures > 0) exitCode = 1;
  }

  /** What both importers share: the URL maps, the store (none on --dry-run), progress, and the closing report. */
  async function runImport(
    label: string,
    file: string,
    opts: ImportOpts,
    importer: (storage: Storage | null, stream: Readable, common: CommonImportOptions) => Promise<ImportReport>,
  ): Promise<void> {
    let maps;
    try {
      maps = parseMaps(opts.map);
    } catch (err) {
      throw new CliFailure((err as Error).message);
    }
    const { stream, size } = openInput(file);
    await withStore(async (ctx) => {
      const secret = ctx.config.secret ?? loadOrCreateSecret(ctx.config.dataDir, ctx.logger);
      const progress = createProgress(io.stderr, size, label);
      const touched = new Set<string>();
      const report = await importer(opts.dryRun ? null : ctx.storage, stream, {
        secret,
        avatars: ctx.config.avatars,
        maxDepth: ctx.config.maxDepth,
        allowedOrigins: ctx.config.allowedOrigins,
        maps,
        status: opts.status ?? null,
        touched,
        onProgress: (bytes, records) => progress.update(bytes, records),
      });
      progress.stop();
      await finishImport(ctx, report, opts.dryRun, touched);
    });
  }

  const program = new Command('parley')
    .description('Parley operator commands: import and export comments, manage moderator accounts. Uses the same configuration (DATA_DIR, MONGODB_URI, …) as the service.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  const exportCmd = program.command('export').description('Write comments out of Parley.').exitOverride();
  exportCmd
    .command('json')
    .description(
      'Every thread, comment (every status, history, private fields), ban, audit entry, moderator account (with its password hash; not its sessions) and reply subscriber and subscription, as JSON lines (format version 3). Lossless: importing it into an empty store and exporting again gives the same file. Outbox messages (deliveries in flight) are left out. The file holds emails, IPs and password hashes: keep it like the database.',
    )
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
    .exitOverride()
    .action(async (opts: { out?: string }) => {
      await withStore(async ({ storage }) => {
        const out: Writable = opts.out ? fs.createWriteStream(opts.out, { mode: 0o600 }) : io.stdout;
        const counts = await exportJson(storage, out);
        if (opts.out) {
          out.end();
          await finished(out);
        }
        say(
          `exported: ${counts.threads} threads, ${counts.comments} comments, ${counts.bans} bans, ${counts.audit} audit entries, ` +
            `${counts.moderators} moderator accounts, ${counts.subscribers} reply subscribers, ${counts.subscriptions} reply subscriptions`,
        );
      });
    });

  exportCmd
    .command('wordpress')
    .description('The approved comments as a WordPress export (WXR) for Tools → Import → WordPress. Threads known only by an id are left out.')
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
    .exitOverride()
    .action(async (opts: { out?: string }) => {
      await withStore(async ({ storage }) => {
        const out: Writable = opts.out ? fs.createWriteStream(opts.out, { mode: 0o600 }) : io.stdout;
        const counts = await exportWordpress(storage, out);
        if (opts.out) {
          out.end();
          await finished(out);
        }
        say(`exported: ${counts.comments} approved comments in ${counts.threads} articles`);
      });
    });

  const importCmd = program.command('import').description('Bring comments into Parley. Safe to run twice: what is already there is skipped.').exitOverride();
  importCmd
    .command('json <file>')
    .description(
      'Restore a file written by `export json` (format versions 1 to 3; into an empty store, or to finish an interrupted import): threads, comments, bans, audit entries, moderator accounts, reply subscribers and subscriptions. What is already there is skipped, so a second run adds nothing; the summary counts each kind. Comment HTML is rendered again from the body through the safe renderer (a hostile file cannot plant a script).',
    )
    .option('--dry-run', 'parse, validate and report what would be imported, by kind; write nothing', false)
    .exitOverride()
    .action(async (file: string, opts: { dryRun: boolean }) => {
      const { stream, size } = openInput(file);
      await withStore(async (ctx) => {
        const progress = createProgress(io.stderr, size, 'import json');
        const touched = new Set<string>();
        let records = 0;
        const report = await importJson(ctx.storage, stream, {
          dryRun: opts.dryRun,
          touched,
          onRecord: (bytes) => progress.update(bytes, ++records),
        });
        progress.stop();
        await finishImport(ctx, report, opts.dryRun, touched);
      });
    });

  importCmd
    .command('wordpress <file>')
    .description('Import the comments of a WordPress export (WXR, Tools → Export). Pingbacks and trackbacks are skipped.')
    .option('--dry-run', 'parse, validate and report; write nothing', false)
    .option('--map <old=new>', 'rewrite article URLs starting with old to start with new (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(new Option('--status <status>', 'store every imported comment with this status').choices(COMMENT_STATUSES))
    .exitOverride()
    .action((file: string, opts: ImportOpts) =>
      runImport('import wordpress', file, opts, (storage, stream, common) => importWordpress(storage, stream, common)),
    );

  importCmd
    .command('disqus <file>')
    .description('Import the posts of a Disqus export (XML). A thread with a Disqus identifier becomes the thread of that id (data-thread-id), others are keyed by their link.')
    .option('--dry-run', 'parse, validate and report; write nothing', false)
    .option('--map <old=new>', 'rewrite article URLs starting with old to start with new (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(new Option('--status <status>', 'store every imported comment with this status').choices(COMMENT_STATUSES))
    .option('--by-link', 'key every thread by its link, ignoring Disqus identifiers', false)
    .exitOverride()
    .action((file: string, opts: ImportOpts & { byLink: boolean }) =>
      runImport('import disqus', file, opts, (storage, stream, common) => importDisqus(storage, stream, { ...common, byLink: opts.byLink })),
    );

  moderatorsCommand(program, {
    withStore,
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    fail: (message) => {
      throw new CliFailure(message);
    },
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliFailure) {
      say(err.message);
      return 1;
    }
    say(`Failed: ${(err as Error).message}`);
    return 1;
  }
  return exitCode;
}
