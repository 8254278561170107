import { useState } from 'preact/hooks';
import { formatTime } from '../format/dates';
import type { ChatMessage } from '../state/store';
import { useAppState, useSession } from './context';
import { Field, inputValue } from './ui';

const STATE_TEXT = {
  waiting: 'Waiting for someone from support to answer.',
  assigned: 'You are chatting with support.',
  closed: 'Write to us and someone from support will answer.',
};
const DELIVERY = { sending: 'Sending…', delivered: 'Delivered', failed: 'Not delivered; try again' };

/** A chat log (role=log, announced politely as lines arrive). */
export function ChatLog({ messages, mine, label }: { messages: ChatMessage[]; mine: 'customer' | 'staff'; label: string }) {
  return (
    <div role="log" aria-live="polite" aria-label={label}>
      <ol class="chat">
        {messages.map((m) => (
          <li key={m.messageId} class={m.from === mine ? 'mine' : 'theirs'}>
            <span class="who">{m.from === 'staff' ? 'Support' : mine === 'customer' ? 'You' : 'Customer'}</span>
            <span class="text">{m.text}</span>
            <span class="meta">
              {formatTime(m.time)}
              {m.delivery && ` · ${DELIVERY[m.delivery]}`}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The customer's conversation with the bank's support staff; it comes back after a reload. */
export function SupportChat() {
  const session = useSession();
  const chat = useAppState((s) => s.chat);
  const [text, setText] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    const line = text.trim();
    if (!line) return;
    setText('');
    void session.sendChat(line);
  };
  return (
    <div class="screen">
      <section class="card" aria-labelledby="chat-title">
        <h2 id="chat-title">Support chat</h2>
        <p class="muted" role="status">
          {STATE_TEXT[chat?.state ?? 'closed']}
        </p>
        <ChatLog messages={chat?.messages ?? []} mine="customer" label="Conversation with support" />
        <form class="chat-form" onSubmit={submit}>
          <Field label="Message">
            <textarea name="message" rows={2} maxLength={2000} required value={text} onInput={(e) => setText(inputValue(e))} />
          </Field>
          <button type="submit" class="primary">
            Send message
          </button>
        </form>
      </section>
    </div>
  );
}
