/**
 * `parley moderators …`: moderator accounts from the server's shell (how the first admin is made). add, list,
 * disable, enable, reset. Passwords come from a hidden prompt on a terminal, or from stdin with --password-stdin
 * (first line), never from the command line (it would sit in the shell history and the process list).
 */
import readline from 'node:readline';
import { Writable, type Readable } from 'node:stream';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ulidFactory } from '../domain/ids.js';
import { AppError } from '../domain/errors.js';
import { MODERATOR_ROLES, type Moderator, type ModeratorRole } from '../domain/moderator.js';
import { createModeratorAccounts, type ModeratorAccounts } from '../moderators/moderator-accounts.js';
import type { Storage } from '../storage/storage.js';

export type PasswordInput = Readable & { isTTY?: boolean };

export interface ModeratorsCommandDeps {
  withStore<T>(run: (ctx: { storage: Storage }) => Promise<T>): Promise<T>;
  stdin: PasswordInput | undefined;
  stdout: Writable;
  stderr: Writable;
  /** Throws the CLI's failure (exit code 1) with this message. */
  fail(message: string): never;
}

/** How the audit log names changes made from the command line. */
export const CLI_ACTOR = 'cli';

async function readFirstLine(input: Readable): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** A prompt whose typing is not echoed (readline writes its echo to a stream that drops it). */
async function promptHidden(question: string, input: Readable, output: Writable): Promise<string> {
  const silent = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = readline.createInterface({ input, output: silent, terminal: true });
  output.write(question);
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    output.write('\n');
  }
}

export function moderatorsCommand(program: Command, deps: ModeratorsCommandDeps): void {
  const { fail } = deps;
  const ulid = ulidFactory();

  async function password(fromStdin: boolean): Promise<string> {
    const input = deps.stdin;
    if (fromStdin) {
      if (!input) return fail('No standard input to read the password from.');
      return readFirstLine(input);
    }
    if (!input?.isTTY) return fail('No terminal to ask for the password on: pipe it in with --password-stdin.');
    const first = await promptHidden('Password (at least 12 characters): ', input, deps.stderr);
    const again = await promptHidden('The same password again: ', input, deps.stderr);
    if (first !== again) fail('The two passwords differ; nothing was changed.');
    return first;
  }

  /** Runs with the accounts use case; a domain error becomes one line naming the fields (never the values). */
  async function withAccounts<T>(run: (accounts: ModeratorAccounts) => Promise<T>): Promise<T> {
    return deps.withStore(async ({ storage }) => {
      const accounts = createModeratorAccounts({ storage, clock: () => new Date(), newId: () => ulid() });
      try {
        return await run(accounts);
      } catch (err) {
        if (err instanceof AppError) {
          const fields = err.fields ? ` (${Object.entries(err.fields).map(([k, v]) => `${k}: ${v}`).join(', ')})` : '';
          fail(`${err.message}${fields}`);
        }
        throw err;
      }
    });
  }

  const describe = (m: Moderator) => `${m.name} <${m.email}>, ${m.role}${m.disabled ? ', disabled' : ''} (id ${m.id})`;

  const cmd = program.command('moderators').description('Moderator accounts: who signs in at /admin, as a moderator or an admin.').exitOverride();

  cmd
    .command('add <email>')
    .description('Create an account. Asks for the password (or reads it with --password-stdin). The first account should be an admin.')
    .requiredOption('--name <name>', 'display name, shown on replies and in the audit log')
    .addOption(new Option('--role <role>', 'admin (also manages accounts, bans and settings) or moderator').choices(MODERATOR_ROLES).makeOptionMandatory())
    .option('--password-stdin', 'read the password from the first line of standard input', false)
    .exitOverride()
    .action(async (email: string, opts: { name: string; role: ModeratorRole; passwordStdin: boolean }) => {
      const pw = await password(opts.passwordStdin);
      const m = await withAccounts((a) => a.add({ email, name: opts.name, role: opts.role, password: pw }, CLI_ACTOR));
      deps.stdout.write(`added: ${describe(m)}\n`);
    });

  cmd
    .command('list')
    .description('Every account: name, email, role, whether disabled, id.')
    .option('--json', 'one JSON object per line instead of text', false)
    .exitOverride()
    .action(async (opts: { json: boolean }) => {
      const all = await withAccounts((a) => a.list());
      for (const m of all) {
        deps.stdout.write(
          opts.json
            ? `${JSON.stringify({ id: m.id, email: m.email, name: m.name, role: m.role, disabled: m.disabled, createdAt: m.createdAt.toISOString() })}\n`
            : `${describe(m)}\n`,
        );
      }
      if (!opts.json && all.length === 0) deps.stderr.write('No moderator accounts yet: add one with `moderators add <email> --name "…" --role admin`.\n');
    });

  for (const [name, disabled, text] of [
    ['disable', true, 'Stop an account from signing in; its open sessions end at their next request.'],
    ['enable', false, 'Let a disabled account sign in again.'],
  ] as const) {
    cmd
      .command(`${name} <account>`)
      .description(`${text} <account> is the email or the id.`)
      .exitOverride()
      .action(async (account: string) => {
        const m = await withAccounts(async (a) => a.setDisabled((await a.find(account)).id, disabled, CLI_ACTOR));
        deps.stdout.write(`${disabled ? 'disabled' : 'enabled'}: ${describe(m)}\n`);
      });
  }

  cmd
    .command('reset <account>')
    .description('Set a new password (asked, or read with --password-stdin); the account is signed out everywhere. <account> is the email or the id.')
    .option('--password-stdin', 'read the password from the first line of standard input', false)
    .exitOverride()
    .action(async (account: string, opts: { passwordStdin: boolean }) => {
      const target = await withAccounts((a) => a.find(account));
      const pw = await password(opts.passwordStdin);
      const m = await withAccounts((a) => a.resetPassword(target.id, pw, CLI_ACTOR));
      deps.stdout.write(`password reset: ${describe(m)}\n`);
    });
}
