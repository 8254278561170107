import { randomUUID } from 'node:crypto';
import { setUserRole } from '../../src/repositories/user.repository';
import type { TestApp } from './test-app';

export interface TestUser {
  id: string;
  name: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  /** The default NGN account made at signup. */
  account: { id: string; accountNumber: string; currency: string; balance: number };
  auth: { Authorization: string };
}

/** Signs up and logs in a new customer through the API. */
export async function createUser(
  t: TestApp,
  overrides: Partial<{ name: string; email: string; password: string }> = {},
): Promise<TestUser> {
  const name = overrides.name ?? 'Test User';
  const email = overrides.email ?? `user-${randomUUID()}@example.com`;
  const password = overrides.password ?? 'correct horse battery';
  const signup = await t.http.post('/api/users/signup').send({ name, email, password });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  const login = await t.http.post('/api/users/login').send({ email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return {
    id: signup.body.id,
    name,
    email: signup.body.email,
    password,
    token: login.body.token,
    refreshToken: login.body.refreshToken,
    account: signup.body.account,
    auth: { Authorization: `Bearer ${login.body.token}` },
  };
}

/** Makes an existing user an admin directly in the database (as the make-admin command does) and logs in again. */
export async function createAdmin(t: TestApp): Promise<TestUser> {
  const user = await createUser(t, { name: 'Admin' });
  await setUserRole(t.db, user.email, 'admin');
  const login = await t.http.post('/api/users/login').send({ email: user.email, password: user.password });
  return { ...user, token: login.body.token, refreshToken: login.body.refreshToken, auth: { Authorization: `Bearer ${login.body.token}` } };
}
