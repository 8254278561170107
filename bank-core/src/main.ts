import { stopTracing } from './instrumentation'; // first: see instrumentation.ts
import { loadRootEnvFile, runService } from '@bank/common';
import { loadConfig } from './config/config';
import { start } from './server';

void runService(
  'bank-core',
  async () => {
    loadRootEnvFile();
    const running = await start(loadConfig());
    return { ...running, stop: () => running.stop().finally(stopTracing) };
  },
  (running) => `bank-core ready: ${running.url}  (API docs: ${running.url}/docs, database: ${running.db.driver})`,
);
