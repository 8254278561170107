import { loadRootEnvFile, runService } from '@bank/common';
import { loadConfig } from './config/config';
import { start } from './server';

void runService(
  'websocket',
  async () => {
    loadRootEnvFile();
    const config = loadConfig();
    return { ...(await start(config)), bankCoreUrl: config.bankCoreUrl };
  },
  (running) => `websocket ready: ${running.url}  (socket: ${running.wsUrl}, bank-core: ${running.bankCoreUrl})`,
);
