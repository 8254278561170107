import { createUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

// A real bcrypt cost, so a missing comparison would show as a large gap.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ BCRYPT_COST: '9', LOGIN_MAX_FAILURES: '1000' });
});
afterAll(() => t.close());

async function medianMs(attempt: () => Promise<unknown>, runs = 7): Promise<number> {
  const durations: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await attempt();
    durations.push(performance.now() - started);
  }
  return durations.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

it('a wrong email takes about as long as a wrong password, so timing does not reveal who has an account', async () => {
  const user = await createUser(t);
  const login = (email: string) => t.http.post('/api/users/login').send({ email, password: 'wrong password' }).expect(401);
  await login('warm-up@example.com');
  const wrongPassword = await medianMs(() => login(user.email));
  const unknownEmail = await medianMs(() => login('nobody-here@example.com'));
  // Without the decoy comparison an unknown email answers in ~1 ms against tens of ms.
  expect(unknownEmail / wrongPassword).toBeGreaterThan(0.5);
  expect(unknownEmail / wrongPassword).toBeLessThan(2);
});
