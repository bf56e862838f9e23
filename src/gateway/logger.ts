import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The gateway's logger: pino, JSON lines, with every place a secret could sit redacted (request
 * bodies and headers, any `password`, `token`, `secret` or `authorization` field at the first two
 * levels). The gateway never logs a body on purpose; redaction is the second line of defence.
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

export function createGatewayLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 'flagless-gateway' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    opts.destination ?? pino.destination(2),
  );
}
