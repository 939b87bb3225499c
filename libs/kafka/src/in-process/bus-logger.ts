import type { Logger } from 'kafkajs';
import type { BusLog } from './in-process-kafka-options';

/** Errors and warnings as JSON lines on stderr, the apps' log shape (`app: 'bus'`). */
export const stderrBusLog: BusLog = (level, msg, fields) => {
  if (level !== 'error' && level !== 'warn') return;
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), app: 'bus', msg, ...fields })}\n`);
};

/** A kafkajs `Logger` (what partition assigners are given) writing to a {@link BusLog}. */
export function kafkajsLogger(log: BusLog, namespace: string): Logger {
  const at =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, extra?: object): void =>
      log(level, message, { namespace, ...(extra as Record<string, unknown> | undefined) });
  return {
    info: at('info'),
    error: at('error'),
    warn: at('warn'),
    debug: at('debug'),
    namespace: (child) => kafkajsLogger(log, `${namespace}.${child}`),
    setLogLevel: () => undefined,
  };
}
