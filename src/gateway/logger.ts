import type { DestinationStream, Logger } from 'pino';
import { createLogger } from '../engine/log.js';

/** The gateway's logger (see engine/log.ts). The gateway never logs a body on purpose. */
export function createGatewayLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return createLogger({ service: 'flagless-gateway', ...opts });
}
