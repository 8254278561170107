import { randomUUID } from 'node:crypto';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { EVENT_LINK_HEADERS, ledgerEventSubject, type TransactionPostedEvent } from '@bank/common';
import { transactionPostedEventSchema } from '../src/validations/ledger-event.validation';
import { yamlFile } from './support/deploy-files';

interface AsyncApi {
  asyncapi: string;
  channels: { ledgerEvents: { address: string } };
  components: {
    messages: { transactionPosted: { headers: { required: string[]; properties: Record<string, unknown> } } };
    schemas: Record<string, Record<string, unknown>>;
  };
}

const doc = yamlFile<AsyncApi>('docs/asyncapi.yaml');
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
// The document's `$ref`s point into components/schemas: register each under the path they use.
for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
const documented = ajv.getSchema('#/components/schemas/TransactionPostedEvent')!;

/** An event as bank-core writes it (UUIDs, ISO time, one leg per customer account). */
const event = (): TransactionPostedEvent => ({
  eventId: '4711',
  type: 'transaction.posted',
  transactionId: randomUUID(),
  transactionType: 'transfer',
  currency: 'NGN',
  narration: 'rent',
  requestId: randomUUID(),
  createdAt: new Date().toISOString(),
  legs: [
    {
      accountId: randomUUID(),
      accountNumber: '1000000001',
      userId: randomUUID(),
      amount: -2_500,
      balanceAfter: 7_500,
      counterparty: { accountNumber: '1000000002', name: 'To' },
    },
    { accountId: randomUUID(), accountNumber: '1000000002', userId: randomUUID(), amount: 2_500, balanceAfter: 2_500, counterparty: null },
  ],
});

describe('docs/asyncapi.yaml, the NATS link as documented', () => {
  it('is AsyncAPI 3 and names the subject and headers the code uses', () => {
    expect(doc.asyncapi).toMatch(/^3\./);
    expect(doc.channels.ledgerEvents.address).toBe(ledgerEventSubject('{stream}'));
    const headers = doc.components.messages.transactionPosted.headers;
    expect(Object.keys(headers.properties)).toEqual(expect.arrayContaining(Object.values(EVENT_LINK_HEADERS)));
    expect(headers.required).toEqual([EVENT_LINK_HEADERS.messageId, EVENT_LINK_HEADERS.feedPosition]);
  });

  it('its event schema accepts what the consumer accepts, and refuses what it refuses', () => {
    const good = event();
    expect(transactionPostedEventSchema.safeParse(good).success).toBe(true);
    expect(documented(good)).toBe(true);
    const { legs: _legs, ...withoutLegs } = good;
    const bad: unknown[] = [
      withoutLegs,
      { ...good, type: 'transaction.reversed' },
      { ...good, transactionType: 'gift' },
      { ...good, legs: [{ ...good.legs[0]!, amount: 1.5 }] },
      { ...good, narration: undefined },
    ];
    for (const candidate of bad) {
      expect(transactionPostedEventSchema.safeParse(candidate).success).toBe(false);
      expect(documented(candidate)).toBe(false);
    }
  });
});
