import type { Logger } from './logger';
import { ConfigError } from './service-config';

export interface RunningService {
  logger: Logger;
  stop(): Promise<void>;
}

/**
 * A service's process entry point: start it, print `readyLine`, and on SIGTERM/SIGINT or a fatal
 * error stop it gracefully, let the log files take their last lines, and exit. A configuration
 * error prints a readable message and exits 1 without a stack trace.
 */
export async function runService<S extends RunningService>(
  name: string,
  start: () => Promise<S>,
  readyLine: (service: S) => string,
): Promise<void> {
  let running: S;
  try {
    running = await start();
  } catch (error) {
    console.error(error instanceof ConfigError ? `${name} cannot start.\n${error.message}` : `${name} failed to start: ${String(error)}`);
    if (!(error instanceof ConfigError)) console.error(error);
    process.exit(1);
  }
  const { logger } = running;

  const shutdown = (reason: string, exitCode: number) => {
    logger.info(`${name} shutting down`, { reason });
    running.stop().then(
      () => flushLogs(logger).then(() => process.exit(exitCode)),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM', 0));
  process.once('SIGINT', () => shutdown('SIGINT', 0));
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', { error }));
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error });
    shutdown('uncaughtException', 1);
  });
  console.log(readyLine(running));
}

/** Lets the log files take their last lines before the process exits (bounded: exit must not hang on it). */
function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    logger.on('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}
