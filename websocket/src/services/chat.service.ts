import { randomUUID } from 'node:crypto';
import type { Logger, Role } from '@bank/common';
import { AppError } from '../errors/app-error';
import type { ChatFrame } from '../validations/frame.validation';
import type { ActivityLine, ActivityLog } from './activity-log.service';
import type { ActivityReader } from './activity-reader.service';
import type { SocketRegistry } from './socket-registry';

/** One line of a support conversation. `conversationId` is the customer's user id. */
export interface ChatMessage {
  messageId: string;
  conversationId: string;
  from: 'customer' | 'staff';
  /** The staff member who wrote a staff line; null for the customer's. */
  staffId: string | null;
  text: string;
  time: string;
}

/** Where a conversation stands: `waiting` for staff, `assigned` to one, or `closed` until the customer writes again. */
export type ChatState = 'waiting' | 'assigned' | 'closed';

export interface ConversationSummary {
  conversationId: string;
  state: ChatState;
  assignedTo: string | null;
  lastMessage: ChatMessage | null;
  /** Customer lines since staff last wrote. */
  unanswered: number;
}

interface Conversation {
  conversationId: string;
  messages: ChatMessage[];
  state: ChatState;
  assignedTo: string | null;
}

/** Who sent a chat frame, and how to answer that one socket. */
export interface ChatCaller {
  userId: string;
  role: Role;
  connectionId: string;
  send(message: unknown): void;
}

// Lines kept in memory per conversation (and sent on restore); older ones stay in interactions.txt.
const KEEP_MESSAGES = 200;
// Activity-line types the chat writes; replayed from interactions.txt at start.
const LINE = { message: 'chat.message', assigned: 'chat.assigned', closed: 'chat.closed' } as const;
const REPLAY_PAGE = 200;

const STAFF_ONLY = () => new AppError({ code: 'FORBIDDEN', message: 'Only support staff (admins) can do this' });

/**
 * The support chat between customers and staff (admins), over the authenticated sockets. Every
 * message, assignment and closing is a line in interactions.txt (the record), and the conversations
 * are rebuilt from those lines when the service starts, so a reload or a restart brings them back.
 * Staff sockets get every change of the queue; a customer's sockets get their own conversation.
 * One instance holds the conversations of the sockets it serves.
 */
export function createChatService({
  activity,
  interactions,
  registry,
  logger,
}: {
  activity: ActivityLog;
  interactions: ActivityReader;
  registry: SocketRegistry;
  logger: Logger;
}) {
  const conversations = new Map<string, Conversation>();

  const conversation = (conversationId: string): Conversation => {
    let found = conversations.get(conversationId);
    if (!found) conversations.set(conversationId, (found = { conversationId, messages: [], state: 'closed', assignedTo: null }));
    return found;
  };

  /** Applies one recorded line; the same code runs live and on replay, so both end in one state. */
  function apply(line: Pick<ActivityLine, 'type' | 'data'>): ChatMessage | undefined {
    const data = line.data as Record<string, unknown> | null;
    if (!data || typeof data.conversationId !== 'string') return undefined;
    const chat = conversation(data.conversationId);
    if (line.type === LINE.message) {
      const message = data as unknown as ChatMessage;
      chat.messages.push(message);
      if (chat.messages.length > KEEP_MESSAGES) chat.messages.splice(0, chat.messages.length - KEEP_MESSAGES);
      if (message.from === 'customer' && chat.state === 'closed') chat.state = 'waiting';
      if (message.from === 'staff') {
        chat.state = 'assigned';
        chat.assignedTo = message.staffId;
      }
      return message;
    }
    if (line.type === LINE.assigned && typeof data.staffId === 'string') {
      chat.state = 'assigned';
      chat.assignedTo = data.staffId;
    }
    if (line.type === LINE.closed) {
      chat.state = 'closed';
      chat.assignedTo = null;
    }
    return undefined;
  }

  /**
   * Writes a line concerning the customer of `conversationId` to interactions.txt, charged to the writer's
   * activity quota like every line a client causes, and applies it.
   * @throws RATE_LIMITED past the writer's quota, SERVICE_UNAVAILABLE when activity storage is full (nothing written).
   */
  function record(caller: ChatCaller, type: string, data: Record<string, unknown> & { conversationId: string }, correlationId?: string) {
    const line: ActivityLine = {
      time: new Date().toISOString(),
      userId: data.conversationId,
      connectionId: caller.connectionId,
      correlationId: correlationId ?? null,
      type,
      data,
    };
    const result = activity.recordClient('interactions', line, `user:${caller.userId}`);
    if (result === 'over-quota') throw new AppError({ code: 'RATE_LIMITED', message: 'Activity quota used up; this message was not sent' });
    if (result === 'over-budget')
      throw new AppError({ code: 'SERVICE_UNAVAILABLE', message: 'Activity storage is full; this message was not sent' });
    return apply(line);
  }

  const summary = (chat: Conversation): ConversationSummary => {
    let unanswered = 0;
    for (let i = chat.messages.length - 1; i >= 0 && chat.messages[i]!.from === 'customer'; i -= 1) unanswered += 1;
    return {
      conversationId: chat.conversationId,
      state: chat.state,
      assignedTo: chat.assignedTo,
      lastMessage: chat.messages[chat.messages.length - 1] ?? null,
      unanswered,
    };
  };

  /** Open conversations, the longest-waiting first. */
  const queue = () =>
    [...conversations.values()]
      .filter((chat) => chat.state !== 'closed')
      .map(summary)
      .sort((a, b) => (a.lastMessage?.time ?? '').localeCompare(b.lastMessage?.time ?? ''));

  const broadcastQueue = () => registry.pushToRole('admin', { type: 'chat.queue', conversations: queue() });
  /** A change of a conversation goes to its customer and to every staff socket. */
  const publish = (chat: Conversation, message: unknown) => {
    registry.pushToUser(chat.conversationId, message);
    registry.pushToRole('admin', message);
  };
  const statusOf = (chat: Conversation) => ({
    type: 'chat.status',
    conversationId: chat.conversationId,
    state: chat.state,
    assignedTo: chat.assignedTo,
  });

  const replayed = (async () => {
    let cursor: string | undefined;
    let lines = 0;
    do {
      const page = await interactions.page({ userId: undefined, limit: REPLAY_PAGE, cursor });
      for (const line of page.items) {
        if (line.type.startsWith('chat.')) {
          apply(line);
          lines += 1;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (lines > 0) logger.info('support chat restored from interactions.txt', { lines, conversations: conversations.size });
  })().catch((error: unknown) => logger.error('support chat could not be restored', { error }));

  const staffOnly = (caller: ChatCaller) => {
    if (caller.role !== 'admin') throw STAFF_ONLY();
  };

  /**
   * Handles one chat frame of an authenticated socket.
   * @throws FORBIDDEN when a customer uses a staff frame or reads someone else's conversation.
   */
  async function handle(caller: ChatCaller, frame: ChatFrame): Promise<void> {
    await replayed;
    const ack = (extra: Record<string, unknown> = {}) =>
      caller.send({ type: 'ack', of: frame.type, correlationId: frame.correlationId ?? null, ...extra });
    switch (frame.type) {
      case 'chat.send': {
        const message = record(
          caller,
          LINE.message,
          {
            messageId: randomUUID(),
            conversationId: caller.userId,
            from: 'customer',
            staffId: null,
            text: frame.text,
            time: new Date().toISOString(),
          },
          frame.correlationId,
        )!;
        ack({ messageId: message.messageId });
        publish(conversation(caller.userId), { type: 'chat.message', message });
        broadcastQueue();
        return;
      }
      case 'chat.history': {
        const conversationId = frame.conversationId ?? caller.userId;
        if (conversationId !== caller.userId) staffOnly(caller);
        const chat = conversation(conversationId);
        caller.send({ ...statusOf(chat), type: 'chat.history', messages: chat.messages, correlationId: frame.correlationId ?? null });
        return;
      }
      case 'chat.queue':
        staffOnly(caller);
        caller.send({ type: 'chat.queue', conversations: queue(), correlationId: frame.correlationId ?? null });
        return;
      case 'chat.take': {
        staffOnly(caller);
        const chat = conversation(frame.conversationId);
        record(caller, LINE.assigned, { conversationId: chat.conversationId, staffId: caller.userId }, frame.correlationId);
        ack();
        publish(chat, statusOf(chat));
        broadcastQueue();
        return;
      }
      case 'chat.reply': {
        staffOnly(caller);
        const chat = conversation(frame.conversationId);
        const message = record(
          caller,
          LINE.message,
          {
            messageId: randomUUID(),
            conversationId: chat.conversationId,
            from: 'staff',
            staffId: caller.userId,
            text: frame.text,
            time: new Date().toISOString(),
          },
          frame.correlationId,
        )!;
        ack({ messageId: message.messageId });
        publish(chat, { type: 'chat.message', message });
        publish(chat, statusOf(chat));
        broadcastQueue();
        return;
      }
      case 'chat.close': {
        staffOnly(caller);
        const chat = conversation(frame.conversationId);
        record(caller, LINE.closed, { conversationId: chat.conversationId, staffId: caller.userId }, frame.correlationId);
        ack();
        publish(chat, statusOf(chat));
        broadcastQueue();
        return;
      }
    }
  }

  return {
    handle,
    /** Resolves once the conversations recorded before this start are back in memory. */
    ready: () => replayed,
  };
}

export type ChatService = ReturnType<typeof createChatService>;
