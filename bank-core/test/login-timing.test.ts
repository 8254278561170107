import { createUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

// A real bcrypt cost, so a missing comparison would show as a large gap.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ BCRYPT_COST: '9', LOGIN_MAX_FAILURES: '1000' });
});
afterAll(() => t.close());

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function durationMs(attempt: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await attempt();
  return performance.now() - started;
}

it('a wrong email takes about as long as a wrong password, so timing does not reveal who has an account', async () => {
  const user = await createUser(t);
  const login = (email: string) => t.http.post('/api/users/login').send({ email, password: 'wrong password' }).expect(401);
  await login('warm-up@example.com');
  // Interleaved, so a burst of load on a shared machine slows both kinds alike.
  const wrongPassword: number[] = [];
  const unknownEmail: number[] = [];
  for (let run = 0; run < 11; run += 1) {
    wrongPassword.push(await durationMs(() => login(user.email)));
    unknownEmail.push(await durationMs(() => login('nobody-here@example.com')));
  }
  // Without the decoy comparison an unknown email answers in ~1 ms against tens of ms (a ratio near 0.05);
  // the bounds leave room for a loaded machine and still catch that.
  const ratio = median(unknownEmail) / median(wrongPassword);
  expect(ratio).toBeGreaterThan(0.3);
  expect(ratio).toBeLessThan(3);
});
