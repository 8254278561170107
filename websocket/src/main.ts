import { loadRootEnvFile } from '@bank/common';
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
      () => process.exit(exitCode),
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

main().catch((error: unknown) => {
  console.error('websocket failed to start:', error);
  process.exit(1);
});
