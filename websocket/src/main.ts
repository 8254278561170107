import { loadRootEnvFile, type Logger } from '@bank/common';
import { ConfigError, loadConfig } from './config/config';
import { start } from './server';

/** Process entry point: config, start, and a graceful exit on signals and fatal errors. */
async function main(): Promise<void> {
  let config;
  try {
    loadRootEnvFile();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`websocket cannot start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const running = await start(config);
  const { logger } = running;

  const shutdown = (reason: string, exitCode: number) => {
    logger.info('websocket shutting down', { reason });
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

  console.log(`websocket ready: ${running.url}  (socket: ${running.wsUrl}, bank-core: ${config.bankCoreUrl})`);
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

main().catch((error: unknown) => {
  console.error('websocket failed to start:', error);
  process.exit(1);
});
