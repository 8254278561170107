import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../../bank-core/test/support/eventually';
import { mintToken } from './support/tokens';
import { authedClient, openClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

let service: TestService;
beforeAll(async () => {
  service = await startService(
    { WS_MAX_PAYLOAD_BYTES: '1024', WS_RATE_LIMIT_PER_SECOND: '5', WS_RATE_LIMIT_BURST: '10', WS_RATE_LIMIT_CLOSE_AFTER: '5' },
    { fileLogs: true },
  );
});
afterAll(() => service.stop());

const signIn = async () => {
  const user = mintToken();
  return { user, client: await authedClient(service.wsUrl, user.token) };
};

describe('activity frames', () => {
  it('appends an interaction to interactions.txt with the user id and acknowledges it', async () => {
    const { user, client } = await signIn();
    client.send({ type: 'event.interaction', data: { screen: 'transfer', clicks: [1, 2] }, correlationId: 'c-1' });
    expect(await client.next()).toEqual({ type: 'ack', of: 'event.interaction', correlationId: 'c-1' });
    const line = await eventually(() => service.lines('interactions').find((entry) => entry.correlationId === 'c-1'));
    expect(line).toMatchObject({
      userId: user.userId,
      type: 'event.interaction',
      data: { screen: 'transfer', clicks: [1, 2] },
      connectionId: expect.any(String),
    });
    expect(new Date(line.time as string).getTime()).toBeGreaterThan(Date.now() - 10_000);
    await client.close();
  });

  it('appends a client error to errors.txt, and acknowledges with a null correlation id when none was sent', async () => {
    const { user, client } = await signIn();
    client.send({ type: 'event.error', data: 'TypeError: x is undefined' });
    expect(await client.next()).toEqual({ type: 'ack', of: 'event.error', correlationId: null });
    const line = await eventually(() => service.lines('errors').find((entry) => entry.userId === user.userId));
    expect(line).toMatchObject({ type: 'event.error', data: 'TypeError: x is undefined', correlationId: null });
    expect(service.lines('interactions').some((entry) => entry.userId === user.userId)).toBe(false);
    await client.close();
  });

  it('answers ping with pong', async () => {
    const { client } = await signIn();
    client.send({ type: 'ping' });
    expect(await client.next()).toEqual({ type: 'pong' });
    await client.close();
  });

  it.each([
    ['malformed JSON', '{"type": "ping"', 'MALFORMED_JSON'],
    ['an unknown type', { type: 'transfer.create', data: {} }, 'VALIDATION'],
    ['an interaction without data', { type: 'event.interaction', correlationId: 'c-2' }, 'VALIDATION'],
    ['an unexpected field', { type: 'ping', extra: true }, 'VALIDATION'],
    ['a non-object', [1, 2, 3], 'VALIDATION'],
    ['a second auth', { type: 'auth', token: 'x' }, 'VALIDATION'],
  ])('answers %s with a %s error, logs it, and keeps the socket open', async (_case, frame, code) => {
    const { user, client } = await signIn();
    client.send(frame);
    expect(await client.next()).toMatchObject({ type: 'error', code, message: expect.any(String) });
    client.send({ type: 'ping' });
    expect(await client.next()).toEqual({ type: 'pong' });
    const line = await eventually(() => service.lines('errors').find((entry) => entry.userId === user.userId));
    expect(line).toMatchObject({ type: 'frame.rejected', data: { code } });
    await client.close();
  });

  it('names the offending field of a schema violation and echoes its correlation id', async () => {
    const { client } = await signIn();
    client.send({ type: 'event.error', correlationId: 'c-3' });
    expect(await client.next()).toMatchObject({
      code: 'VALIDATION',
      correlationId: 'c-3',
      details: [{ path: 'frame.data', message: 'Required' }],
    });
    await client.close();
  });

  it('refuses a binary frame with an error', async () => {
    const { client } = await signIn();
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'UNSUPPORTED_FRAME' });
    await client.close();
  });

  it('closes with 1009 a socket that sends a frame over maxPayload, logs it, and keeps serving others', async () => {
    const { user, client } = await signIn();
    client.send({ type: 'event.interaction', data: 'x'.repeat(2_000) });
    expect((await client.closed).code).toBe(1009);
    const line = await eventually(() => service.lines('errors').find((entry) => entry.userId === user.userId));
    expect(line).toMatchObject({ type: 'frame.rejected', data: { code: 'PAYLOAD_TOO_LARGE' } });
    const logged = await eventually(() =>
      readFileSync(path.join(service.config.logDir, 'info.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => entry.message === 'socket closed' && entry.userId === user.userId),
    );
    expect(logged.failure).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    const { client: next } = await signIn();
    next.send({ type: 'ping' });
    expect(await next.next()).toEqual({ type: 'pong' });
    await next.close();
  });
});

describe('flood protection', () => {
  it('answers RATE_LIMITED past the burst and closes 1008 when the flood goes on', async () => {
    const { user, client } = await signIn();
    for (let i = 0; i < 30; i += 1) client.send({ type: 'ping' });
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    // The auth frame took one of the 10 burst tokens; nothing past the burst was answered with a pong.
    expect(client.messages.filter((message) => message.type === 'pong').length).toBeLessThanOrEqual(9);
    expect(client.messages.filter((message) => message.code === 'RATE_LIMITED')).toHaveLength(5);
    const rateLines = await eventually(() => {
      const found = service.lines('errors').filter((entry) => entry.userId === user.userId);
      return found.length > 0 ? found : undefined;
    });
    expect(rateLines).toEqual([expect.objectContaining({ data: { code: 'RATE_LIMITED', message: 'Too many messages' } })]);
  });

  it('lets a client that slows down carry on after being limited', async () => {
    const { client } = await signIn();
    for (let i = 0; i < 12; i += 1) client.send({ type: 'ping' });
    await client.next((message) => message.code === 'RATE_LIMITED');
    await new Promise((resolve) => setTimeout(resolve, 400));
    client.send({ type: 'ping' });
    await client.next((message) => message.type === 'pong' && client.messages.indexOf(message) >= 12);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await client.close();
  });
});

describe('heartbeat', () => {
  it('terminates a socket that stops answering pings, and keeps one that answers', async () => {
    const fast = await startService({ WS_HEARTBEAT_INTERVAL_MS: '250' });
    try {
      const silent = await openClient(fast.wsUrl, { autoPong: false });
      const lively = await authedClient(fast.wsUrl, mintToken().token);
      expect((await silent.closed).code).toBe(1006);
      expect(lively.socket.readyState).toBe(lively.socket.OPEN);
      await lively.close();
    } finally {
      await fast.stop();
    }
  });
});

describe("an event's bank-core request id", () => {
  it('is kept on the line, so an error the customer saw leads to the bank-core log line', async () => {
    const { client } = await signIn();
    client.send({
      type: 'event.error',
      data: { kind: 'api', status: 422, code: 'INSUFFICIENT_FUNDS' },
      requestId: 'req-page-42',
      correlationId: 'rq-1',
    });
    await client.next((message) => message.type === 'ack');
    const line = await eventually(() => service.lines('errors').find((entry) => entry.correlationId === 'rq-1'));
    expect(line).toMatchObject({ requestId: 'req-page-42', data: { code: 'INSUFFICIENT_FUNDS' } });
    client.send({ type: 'event.error', data: {}, requestId: 'has spaces', correlationId: 'rq-2' });
    expect(await client.next((message) => message.type === 'error')).toMatchObject({ code: 'VALIDATION', correlationId: 'rq-2' });
    await client.close();
  });
});
