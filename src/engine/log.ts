import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * flagless's structured logs: pino JSON lines on stderr, with every place a secret could sit
 * redacted (any `password`, `token`, `secret`, `authorization` field in the first levels, request
 * bodies and headers). Hashes and TOTP secrets are `Secret` values, which serialise as
 * "[redacted]" wherever they are; redaction by path is the second line of defence.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'client_secret',
  '*.client_secret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'body',
  '*.body',
];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(opts: { service: string; level?: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: opts.service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    opts.destination ?? pino.destination(2),
  );
}
