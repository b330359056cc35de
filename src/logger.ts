/** The one logger. Emails, IPs, tokens and credentials are redacted wherever they appear as fields. */
import { pino } from 'pino';
import type { Logger, DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export const REDACT_PATHS = [
  'email',
  'ip',
  'token',
  'editToken',
  'secret',
  'authorization',
  '*.email',
  '*.ip',
  '*.token',
  '*.editToken',
  '*.secret',
  '*.authorization',
  '*.*.email',
  '*.*.ip',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-forwarded-for"]',
  'req.remoteAddress',
  // Headers logged under any name (an error's request, a client's options), and Akismet's parameter names.
  'headers.authorization',
  'headers.cookie',
  'headers["x-forwarded-for"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-forwarded-for"]',
  'remoteAddress',
  '*.remoteAddress',
  'editTokens',
  'adminToken',
  'metricsToken',
  'user_ip',
  'comment_author_email',
  '*.user_ip',
  '*.comment_author_email',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'parley' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
