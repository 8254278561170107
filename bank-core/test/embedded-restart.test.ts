import request from 'supertest';
import { createLogger } from '@bank/common';
import { start } from '../src/server';
import { testConfig } from './support/test-app';

// `npm start` keeps the embedded database on disk; a second start must find it migrated, not migrate it again.
// Always PGlite: this is about the embedded driver, whatever TEST_DATABASE_URL says.
describe('embedded database on disk', () => {
  it('when bank-core is stopped and started again, it starts and the users signed up before can log in', async () => {
    const config = testConfig({ APP_PORT_1: '0' });
    const logger = createLogger({ service: 'bank-core-test', level: 'error', console: false });
    const credentials = { email: 'restart@example.com', password: 'correct horse' };

    const first = await start(config, { logger });
    try {
      await request(first.url)
        .post('/api/users/signup')
        .send({ name: 'Ada', ...credentials })
        .expect(201);
    } finally {
      await first.stop();
    }

    const second = await start(config, { logger });
    try {
      const res = await request(second.url).post('/api/users/login').send(credentials);
      expect(res.status).toBe(200);
      expect(res.body.token).toEqual(expect.any(String));
    } finally {
      await second.stop();
    }
  }, 60_000);
});
