import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config';

// Nest's start-up chatter (one line per route and module) is kept for LOG_LEVEL=debug.
const NOISY = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader', 'NestFactory', 'NestApplication']);

/**
 * Nest's LoggerService on pino: one JSON object per line (`level`, `time`, `context`, `msg`,
 * plus any fields). Passing an object as the message adds its fields, so
 * `logger.log({ msg: 'Run finished', runId, flowId, status })` is searchable by run and flow
 * id in any log store.
 */
export class PinoNestLogger implements LoggerService {
  readonly pino: Logger;

  constructor(options: { level: LogLevel; destination?: DestinationStream; base?: Record<string, unknown> }) {
    this.pino = pino({ level: options.level, base: { pid: process.pid, ...options.base }, timestamp: pino.stdTimeFunctions.isoTime }, options.destination ?? pino.destination({ fd: 1, sync: true }));
  }

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (context && NOISY.has(context) && !this.pino.isLevelEnabled('debug')) return;
    this.write('info', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes (message, stack, context) for errors.
    const context = contextOf(rest);
    const stack = rest.length >= 2 && typeof rest[0] === 'string' ? rest[0] : undefined;
    this.write('error', message, context, stack);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, contextOf(rest));
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, contextOf(rest));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, contextOf(rest));
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, contextOf(rest));
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, context?: string, stack?: string): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      const { msg, message: text, ...rest } = message as Record<string, unknown>;
      this.pino[level]({ ...fields, ...rest }, String(msg ?? text ?? ''));
    } else {
      this.pino[level](fields, String(message));
    }
  }
}

function contextOf(rest: unknown[]): string | undefined {
  const last = rest[rest.length - 1];
  return typeof last === 'string' ? last : undefined;
}
