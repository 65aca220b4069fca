import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/env';

/**
 * JSON lines on stdout, one logger per process; components take child loggers. `npm start`
 * prettifies and prefixes these lines, so processes never format for humans themselves.
 */
export function createLogger(name: string, level: LogLevel): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
  });
}
