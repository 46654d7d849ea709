import type { Logger as NestLogger } from '@nestjs/common';
import type { Logger as FieldLogger } from './drivers/stream-driver';

/** What a runtime log line is about; each becomes a JSON field of the line. */
export type LogFields = { runId?: string; flowId?: string; workspaceId?: string | null; [field: string]: unknown };

/**
 * The message Nest's Logger is given: an object. The platform's pino logger (core's
 * PinoNestLogger) turns its fields into JSON fields, so lines are searchable by `runId`,
 * `flowId` and `workspaceId`; Nest's console logger prints the object whole.
 */
export function withFields(message: string, fields: LogFields): string {
  return { msg: message, ...fields } as unknown as string;
}

/**
 * A logger for code outside Nest (drivers, delivery, pooling) that adds `fields` to every line,
 * like a pino child logger.
 */
export function fieldLogger(logger: NestLogger, fields: LogFields = {}): FieldLogger {
  const line = (message: string, context?: Record<string, unknown>) => withFields(message, { ...fields, ...context });
  return {
    debug: (m, c) => logger.debug(line(m, c)),
    info: (m, c) => logger.log(line(m, c)),
    warn: (m, c) => logger.warn(line(m, c)),
    error: (m, c) => logger.error(line(m, c)),
  };
}
