#!/usr/bin/env node
/** The `parley` command line (see cli/run-cli.ts): `node dist/cli.js --help`. */
import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
