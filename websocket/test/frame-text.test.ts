import { startFakeBankCore } from './support/fake-bank-core';
import { mintToken } from './support/tokens';
import { authedClient, type Message, type TestClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

// What staff read (chat lines, interaction and error reports) follows bank-core's display-text rule
// (common/src/display-text.ts), and no frame's shape can make the validator itself fail.
let service: TestService;
let bankCore: Awaited<ReturnType<typeof startFakeBankCore>>;
beforeAll(async () => {
  bankCore = await startFakeBankCore();
  service = await startService({ BANK_CORE_URL: bankCore.url });
});
afterAll(async () => {
  await service.stop();
  await bankCore.close();
});

const open: TestClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});
const connect = async () => {
  const client = await authedClient(service.wsUrl, mintToken().token);
  open.push(client);
  return client;
};
const replyOrError = (message: Message) => message.type === 'ack' || message.type === 'error';

/** Sends the frame and answers the reply to it; then checks the socket still serves (ping -> pong). */
async function answerTo(client: TestClient, frame: unknown): Promise<Message> {
  client.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  const reply = await client.next(replyOrError);
  client.send({ type: 'ping' });
  expect(await client.next((message) => message.type === 'pong')).toEqual({ type: 'pong' });
  return reply;
}

describe('text staff read', () => {
  it.each([
    ['a right-to-left override (U+202E)', 'Refund to \u202e0987654321'],
    ['NUL', 'hello\u0000'],
    ['an escape (U+001B)', '\u001b[31mred'],
    ['a zero-width space', 'bank\u200bstaff'],
    ['a carriage return alone', 'Support team:\rapproved'],
  ])('refuses a chat line holding %s with a VALIDATION error naming the text', async (_case, text) => {
    const client = await connect();
    const reply = await answerTo(client, { type: 'chat.send', text, correlationId: 'c-1' });
    expect(reply).toMatchObject({
      type: 'error',
      code: 'VALIDATION',
      correlationId: 'c-1',
      details: [expect.objectContaining({ path: 'frame.text' })],
    });
  });

  it('accepts a multi-line chat line, with CRLF kept as a line feed', async () => {
    const client = await connect();
    const reply = await answerTo(client, { type: 'chat.send', text: 'Hello,\r\nmy transfer is late', correlationId: 'c-2' });
    expect(reply).toMatchObject({ type: 'ack', of: 'chat.send', correlationId: 'c-2' });
  });

  it('refuses an interaction or error report with a bidi control or NUL in any string or key, and accepts a stack trace', async () => {
    const client = await connect();
    const spoofed = { type: 'event.interaction', data: { action: 'sent-money', note: ['ok', 'to \u202eevil'] }, correlationId: 'r-1' };
    expect(await answerTo(client, spoofed)).toMatchObject({
      code: 'VALIDATION',
      details: [expect.objectContaining({ path: 'frame.data.note.1' })],
    });
    expect(await answerTo(client, { type: 'event.error', data: { 'k\u0000': 1 }, correlationId: 'r-2' })).toMatchObject({
      code: 'VALIDATION',
    });
    const stack = { type: 'event.error', data: { kind: 'script', message: 'TypeError: x\n    at a (main.js:1:2)' }, correlationId: 'r-3' };
    expect(await answerTo(client, stack)).toEqual({ type: 'ack', of: 'event.error', correlationId: 'r-3' });
  });
});

describe('deeply nested frames', () => {
  it('answers a frame nested 2,000 levels deep (under 16 KiB) with a VALIDATION error, not INTERNAL, and keeps serving', async () => {
    const client = await connect();
    const frame = `{"type":"event.interaction","correlationId":"d-1","data":${'['.repeat(2000)}${']'.repeat(2000)}}`;
    expect(frame.length).toBeLessThan(16 * 1024);
    expect(await answerTo(client, frame)).toMatchObject({ type: 'error', code: 'VALIDATION', correlationId: 'd-1' });
  });

  it('still accepts reports nested a few levels deep', async () => {
    const client = await connect();
    const reply = await answerTo(client, { type: 'event.interaction', data: { a: { b: { c: [[1]] } } }, correlationId: 'd-2' });
    expect(reply).toEqual({ type: 'ack', of: 'event.interaction', correlationId: 'd-2' });
  });
});
