// Structured JSON logs (pino). Secrets never reach a log line: channel errors are written without URLs.
import pino from 'pino';

/** `level`: the process's LOG_LEVEL, from its configuration. */
export function createLogger(name: string, level: string) {
  return pino({ name, level, base: { service: 'alert-delivery', process: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
export type Logger = ReturnType<typeof createLogger>;
