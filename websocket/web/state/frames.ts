import type { ServerFrame } from '../api/socket';
import type { ChatMessage, Conversation, ConversationSummary, LiveMovement, Store } from './store';

// Live movements kept for the page (the history screen reads the API for older ones).
const KEEP_MOVEMENTS = 100;

const withMessage = (conversation: Conversation | null | undefined, conversationId: string, message: ChatMessage): Conversation => {
  const base = conversation ?? { conversationId, messages: [], state: 'waiting' as const, assignedTo: null };
  if (base.messages.some((m) => m.messageId === message.messageId)) return base;
  return { ...base, messages: [...base.messages, message] };
};

/** Applies one pushed frame to the store: balances and movements, the customer's chat, the staff queue. */
export function applyFrame(store: Store, frame: ServerFrame): void {
  const state = store.get();
  switch (frame.type) {
    case 'account.transaction': {
      const movement = frame as unknown as LiveMovement;
      if (state.movements.some((m) => m.eventId === movement.eventId)) return;
      store.set({
        accounts: state.accounts.map((a) => (a.id === movement.accountId ? { ...a, balance: movement.balanceAfter } : a)),
        movements: [movement, ...state.movements].slice(0, KEEP_MOVEMENTS),
      });
      return;
    }
    case 'chat.history': {
      const conversation: Conversation = {
        conversationId: String(frame.conversationId),
        messages: frame.messages as ChatMessage[],
        state: frame.state as Conversation['state'],
        assignedTo: (frame.assignedTo as string | null) ?? null,
      };
      if (conversation.conversationId === state.user?.id) store.set({ chat: conversation });
      else store.set({ staffChats: { ...state.staffChats, [conversation.conversationId]: conversation } });
      return;
    }
    case 'chat.message': {
      const message = frame.message as ChatMessage;
      const id = message.conversationId;
      const change: Parameters<Store['set']>[0] = {};
      if (id === state.user?.id) change.chat = withMessage(state.chat, id, message);
      if (state.user?.role === 'admin' && state.staffChats[id]) {
        change.staffChats = { ...state.staffChats, [id]: withMessage(state.staffChats[id], id, message) };
      }
      store.set(change);
      return;
    }
    case 'chat.status': {
      const id = String(frame.conversationId);
      const status = { state: frame.state as Conversation['state'], assignedTo: (frame.assignedTo as string | null) ?? null };
      if (id === state.user?.id) store.set({ chat: { ...(state.chat ?? { conversationId: id, messages: [] }), ...status } });
      if (state.staffChats[id]) store.set({ staffChats: { ...store.get().staffChats, [id]: { ...state.staffChats[id], ...status } } });
      return;
    }
    case 'chat.queue':
      store.set({ queue: frame.conversations as ConversationSummary[] });
      return;
    default:
      return;
  }
}
