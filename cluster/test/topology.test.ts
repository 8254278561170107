import { call, openSocket, signUp } from '../support/client';
import { startTopology, type Topology } from '../support/topology';

jest.setTimeout(120_000);

// The harness itself, through nginx: what the other cluster tests stand on.
describe('two bank-core and two websocket instances behind nginx', () => {
  let topology: Topology;
  beforeAll(async () => {
    topology = await startTopology({ bankCores: 2, websockets: 2 });
  });
  afterAll(() => topology?.stop());

  test('nginx serves the page from a websocket instance and the API from bank-core, with the socket upgrade passed through', async () => {
    const page = await fetch(`${topology.url!}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script type="module"/);
    const config = await call(topology.url!, '/api/websocket/config');
    expect(config.body).toMatchObject({ wsPath: '/ws' });

    const user = await signUp(topology.url!);
    const me = await call<{ email: string }>(topology.url!, '/api/users/me', { token: user.token });
    expect(me.body.email).toBe(user.email);
    const { socket, closed } = await openSocket(topology.wsUrl!, user.token);
    socket.close();
    await closed;
  });

  test('the balancer refuses a body over 64 KiB before it reaches an instance', async () => {
    const big = await fetch(`${topology.url!}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@example.com', password: 'p'.repeat(70_000) }),
    });
    expect(big.status).toBe(413);
  });

  test('a bank-core instance killed with -9 comes back on its port, and nginx sends requests around it meanwhile', async () => {
    const [first] = topology.bankCores;
    await first!.kill();
    expect(first!.running()).toBe(false);
    const whileDown = await Promise.all(Array.from({ length: 6 }, () => call(topology.url!, '/api/users/me')));
    expect(whileDown.map((answer) => answer.status)).toEqual(Array(6).fill(401));

    await first!.restart();
    const direct = await fetch(`${first!.url}/healthz`);
    expect(direct.status).toBe(200);
  });
});

describe('websocket instances that follow bank-core through nginx', () => {
  let topology: Topology;
  beforeAll(async () => {
    topology = await startTopology({ bankCores: 2, websockets: 1, websocketsFollow: 'nginx' });
  });
  afterAll(() => topology?.stop());

  test("a deposit reaches the owner's socket through the event feed that nginx streams from bank-core", async () => {
    const user = await signUp(topology.url!);
    const { socket, frames } = await openSocket(topology.wsUrl!, user.token);
    const deposit = await call(topology.url!, '/api/transactions/deposit', {
      token: user.token,
      body: { accountId: user.accountId, amount: 12_345 },
    });
    expect(deposit.status).toBe(201);
    const deadline = Date.now() + 3_000;
    while (!frames.some((frame) => frame.type === 'account.transaction') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(frames.find((frame) => frame.type === 'account.transaction')).toMatchObject({ amount: 12_345, accountId: user.accountId });
    socket.close();
  });
});
