import { loadRootEnvFile, runService } from '@bank/common';
import { loadConfig } from './config/config';
import { start } from './server';

void runService(
  'bank-core',
  () => {
    loadRootEnvFile();
    return start(loadConfig());
  },
  (running) => `bank-core ready: ${running.url}  (API docs: ${running.url}/docs, database: ${running.db.driver})`,
);
