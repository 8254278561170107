import { stopTracing } from './instrumentation'; // first: see instrumentation.ts
import { loadRootEnvFile, runService } from '@bank/common';
import { loadConfig } from './config/config';
import { start } from './server';

void runService(
  'websocket',
  async () => {
    loadRootEnvFile();
    const config = loadConfig();
    const running = await start(config);
    return { ...running, bankCoreUrl: config.bankCoreUrl, stop: () => running.stop().finally(stopTracing) };
  },
  (running) => `websocket ready: ${running.url}  (socket: ${running.wsUrl}, bank-core: ${running.bankCoreUrl})`,
);
