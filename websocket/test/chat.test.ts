import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '../../bank-core/test/support/eventually';
import { startFakeBankCore } from './support/fake-bank-core';
import { mintToken } from './support/tokens';
import { authedClient, type Message, type TestClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

// One data folder for the whole file, so a restarted service finds the conversations on disk.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'websocket-chat-'));
let service: TestService;
// bank-core says who is staff now (the token's role claim is not trusted); the fake answers for minted users.
let bankCore: Awaited<ReturnType<typeof startFakeBankCore>>;
const start = () => startService({ WS_DATA_DIR: dataDir, BANK_CORE_URL: bankCore.url });
beforeAll(async () => {
  bankCore = await startFakeBankCore();
  service = await start();
});
afterAll(async () => {
  await service.stop();
  await bankCore.close();
});
/** A staff member: an admin token, and bank-core agreeing that the user is an admin now. */
const mintStaff = () => {
  const staff = mintToken({ role: 'admin' });
  bankCore.setAdmin(staff.userId, true);
  return staff;
};

const open: TestClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});
const connect = async (user: ReturnType<typeof mintToken>) => {
  const client = await authedClient(service.wsUrl, user.token);
  open.push(client);
  return client;
};
const ofType = (type: string) => (message: Message) => message.type === type;

describe('support chat', () => {
  it('carries a round trip: the customer writes, staff see it queued, take it and reply, and the customer gets the reply', async () => {
    const customer = mintToken();
    const staff = mintStaff();
    const desk = await connect(staff);
    const phone = await connect(customer);
    const laptop = await connect(customer); // a second tab of the same customer

    phone.send({ type: 'chat.send', text: '  My transfer has not arrived  ', correlationId: 'c-1' });
    const ack = await phone.next(ofType('ack'));
    expect(ack).toEqual({ type: 'ack', of: 'chat.send', correlationId: 'c-1', messageId: expect.any(String) });
    const seen = await desk.next(ofType('chat.message'));
    expect(seen.message).toEqual({
      messageId: ack.messageId,
      conversationId: customer.userId,
      from: 'customer',
      staffId: null,
      text: 'My transfer has not arrived',
      time: expect.any(String),
    });
    expect((await laptop.next(ofType('chat.message'))).message.messageId).toBe(ack.messageId);
    const queued = await desk.next(ofType('chat.queue'));
    expect(queued.conversations).toContainEqual(
      expect.objectContaining({ conversationId: customer.userId, state: 'waiting', assignedTo: null, unanswered: 1 }),
    );

    desk.send({ type: 'chat.take', conversationId: customer.userId, correlationId: 't-1' });
    expect(await desk.next(ofType('ack'))).toEqual({ type: 'ack', of: 'chat.take', correlationId: 't-1' });
    expect(await phone.next(ofType('chat.status'))).toEqual({
      type: 'chat.status',
      conversationId: customer.userId,
      state: 'assigned',
      assignedTo: staff.userId,
    });

    desk.send({ type: 'chat.reply', conversationId: customer.userId, text: 'Looking at it now', correlationId: 'r-1' });
    await desk.next(ofType('ack'));
    const reply = await phone.next(ofType('chat.message'));
    expect(reply.message).toMatchObject({ from: 'staff', staffId: staff.userId, text: 'Looking at it now' });

    // Every line is in interactions.txt under the customer's id.
    const lines = await eventually(() => {
      const found = service
        .lines('interactions')
        .filter((line) => line.userId === customer.userId && String(line.type).startsWith('chat.'));
      return found.length === 3 ? found : undefined;
    });
    expect(lines.map((line) => line.type)).toEqual(['chat.message', 'chat.assigned', 'chat.message']);
    expect(lines[0]).toMatchObject({ correlationId: 'c-1', data: { text: 'My transfer has not arrived' } });
  });

  it('gives a customer their conversation back on request (after a reload), and staff any conversation', async () => {
    const customer = mintToken();
    const staff = mintStaff();
    const first = await connect(customer);
    first.send({ type: 'chat.send', text: 'Hello?' });
    await first.next(ofType('ack'));
    await first.close();

    const again = await connect(customer);
    again.send({ type: 'chat.history', correlationId: 'h-1' });
    const history = await again.next(ofType('chat.history'));
    expect(history).toMatchObject({ conversationId: customer.userId, state: 'waiting', assignedTo: null, correlationId: 'h-1' });
    expect(history.messages.map((message: { text: string }) => message.text)).toEqual(['Hello?']);

    const desk = await connect(staff);
    desk.send({ type: 'chat.history', conversationId: customer.userId });
    expect((await desk.next(ofType('chat.history'))).messages).toHaveLength(1);
  });

  it("refuses staff frames and other customers' conversations to a customer, changing nothing", async () => {
    const customer = mintToken();
    const other = mintToken();
    const client = await connect(customer);
    for (const frame of [
      { type: 'chat.queue' },
      { type: 'chat.take', conversationId: other.userId },
      { type: 'chat.reply', conversationId: other.userId, text: 'I am staff, honest' },
      { type: 'chat.close', conversationId: other.userId },
      { type: 'chat.history', conversationId: other.userId },
    ]) {
      client.send({ ...frame, correlationId: frame.type });
      expect(await client.next(ofType('error'))).toMatchObject({ code: 'FORBIDDEN', correlationId: frame.type });
    }
    expect(service.lines('interactions').filter((line) => line.userId === other.userId)).toEqual([]);
  });

  it('refuses an empty or over-long message with a validation error', async () => {
    const client = await connect(mintToken());
    client.send({ type: 'chat.send', text: '   ', correlationId: 'e-1' });
    expect(await client.next(ofType('error'))).toMatchObject({ code: 'VALIDATION', correlationId: 'e-1' });
    client.send({ type: 'chat.send', text: 'x'.repeat(2_001), correlationId: 'e-2' });
    expect(await client.next(ofType('error'))).toMatchObject({ code: 'VALIDATION', correlationId: 'e-2' });
  });

  it('takes a closed conversation out of the queue until the customer writes again', async () => {
    const customer = mintToken();
    const staff = mintStaff();
    const phone = await connect(customer);
    const desk = await connect(staff);
    phone.send({ type: 'chat.send', text: 'Thanks, all sorted' });
    await phone.next(ofType('ack'));
    desk.send({ type: 'chat.close', conversationId: customer.userId });
    await desk.next(ofType('ack'));
    expect(await phone.next(ofType('chat.status'))).toMatchObject({ state: 'closed', assignedTo: null });
    desk.send({ type: 'chat.queue', correlationId: 'q' });
    const queue = await desk.next((message) => message.type === 'chat.queue' && message.correlationId === 'q');
    expect(queue.conversations.map((entry: { conversationId: string }) => entry.conversationId)).not.toContain(customer.userId);
  });

  it('brings conversations back after the service restarts, from interactions.txt', async () => {
    const customer = mintToken();
    const staff = mintStaff();
    const phone = await connect(customer);
    phone.send({ type: 'chat.send', text: 'Before the restart' });
    await phone.next(ofType('ack'));
    const desk = await connect(staff);
    desk.send({ type: 'chat.reply', conversationId: customer.userId, text: 'Noted' });
    await desk.next(ofType('ack'));
    await Promise.all(open.splice(0).map((client) => client.close()));
    await service.stop();

    service = await start();
    const back = await connect(customer);
    back.send({ type: 'chat.history' });
    const history = await back.next(ofType('chat.history'));
    expect(history).toMatchObject({ state: 'assigned', assignedTo: staff.userId });
    expect(history.messages.map((message: { from: string; text: string }) => [message.from, message.text])).toEqual([
      ['customer', 'Before the restart'],
      ['staff', 'Noted'],
    ]);
  });
});
