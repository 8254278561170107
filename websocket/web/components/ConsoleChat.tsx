import { useEffect, useState } from 'preact/hooks';
import type { User } from '../api/types';
import { formatDateTime } from '../format/dates';
import { useAppState, useSession } from './context';
import { ChatLog } from './SupportChat';
import { ErrorText, Field, inputValue, useAction } from './ui';

/** The live queue of customer conversations, and the one staff have taken. */
export function ConsoleChat() {
  const session = useSession();
  const { queue, staffChats, me } = useAppState((s) => ({ queue: s.queue, staffChats: s.staffChats, me: s.user!.id }));
  const [open, setOpen] = useState<string | null>(null);
  const [names, setNames] = useState<Record<string, User>>({});
  const [text, setText] = useState('');
  const action = useAction();

  // Customers are named from bank-core (the socket knows only their id).
  useEffect(() => {
    for (const entry of queue) {
      if (names[entry.conversationId]) continue;
      session.bank
        .user(entry.conversationId)
        .then((user) => setNames((current) => ({ ...current, [user.id]: user })))
        .catch(() => undefined);
    }
  }, [queue]);

  const take = (conversationId: string) =>
    void action.run(async () => {
      await session.staff({ type: 'chat.take', conversationId });
      await session.staff({ type: 'chat.history', conversationId });
      setOpen(conversationId);
      session.interaction('staff-took-chat', { conversationId });
    });
  const reply = (event: Event) => {
    event.preventDefault();
    if (!open || !text.trim()) return;
    const line = text.trim();
    setText('');
    void action.run(() => session.staff({ type: 'chat.reply', conversationId: open, text: line }));
  };
  const close = () =>
    void action.run(async () => {
      if (!open) return;
      await session.staff({ type: 'chat.close', conversationId: open });
      setOpen(null);
    });
  const name = (id: string) => names[id]?.name ?? 'Customer';
  const chat = open ? staffChats[open] : undefined;

  return (
    <section class="card" aria-labelledby="queue-title">
      <h2 id="queue-title">Support chats</h2>
      <ul class="plain queue" aria-live="polite" aria-label="Waiting conversations">
        {queue.length === 0 && <li class="muted">No one is waiting.</li>}
        {queue.map((entry) => (
          <li key={entry.conversationId} class="queue-item">
            <span>
              <strong>{name(entry.conversationId)}</strong>{' '}
              <span class="muted">
                {entry.state === 'waiting' ? `waiting, ${entry.unanswered} unanswered` : entry.assignedTo === me ? 'yours' : 'taken'}
                {entry.lastMessage && ` · ${formatDateTime(entry.lastMessage.time)}`}
              </span>
              {entry.lastMessage && <span class="quote">“{entry.lastMessage.text}”</span>}
            </span>
            <button type="button" class="secondary small" onClick={() => take(entry.conversationId)}>
              {entry.assignedTo === me ? 'Open' : 'Take'}
              <span class="visually-hidden"> chat with {name(entry.conversationId)}</span>
            </button>
          </li>
        ))}
      </ul>
      <ErrorText error={action.error} />
      {open && chat && (
        <div class="staff-chat">
          <h3>Chat with {name(open)}</h3>
          <ChatLog messages={chat.messages} mine="staff" label={`Conversation with ${name(open)}`} />
          <form class="chat-form" onSubmit={reply}>
            <Field label="Reply">
              <textarea name="reply" rows={2} maxLength={2000} required value={text} onInput={(e) => setText(inputValue(e))} />
            </Field>
            <div class="actions">
              <button type="submit" class="primary" disabled={action.busy}>
                Send reply
              </button>
              <button type="button" class="secondary" onClick={close}>
                Close conversation
              </button>
            </div>
          </form>
        </div>
      )}
    </section>
  );
}
