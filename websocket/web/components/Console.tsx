import { useState } from 'preact/hooks';
import type { User } from '../api/types';
import { ConsoleChat } from './ConsoleChat';
import { ConsoleUser } from './ConsoleUser';
import { useSession } from './context';
import { ErrorText, Field, inputValue, useAction } from './ui';

/** Staff console (admins): find a customer, see their money and logs, reverse a transaction, answer chats. */
export function Console() {
  const session = useSession();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<User[] | null>(null);
  const [chosen, setChosen] = useState<User | null>(null);
  const search = useAction();

  const find = (event: Event) => {
    event.preventDefault();
    const text = query.trim();
    void search.run(async () => {
      const page = await session.bank.findUsers(/^\d{10}$/.test(text) ? { accountNumber: text } : { email: text });
      setResults(page.items);
      setChosen(page.items.length === 1 ? page.items[0]! : null);
      session.interaction('staff-searched');
    });
  };

  return (
    <div class="screen console">
      <section class="card" aria-labelledby="find-title">
        <h2 id="find-title">Find a customer</h2>
        <form class="inline-form" onSubmit={find} role="search">
          <Field label="Email or account number">
            <input name="query" required maxLength={254} autocomplete="off" value={query} onInput={(e) => setQuery(inputValue(e))} />
          </Field>
          <button type="submit" class="primary" disabled={search.busy}>
            Find
          </button>
        </form>
        <ErrorText error={search.error} />
        {results && results.length === 0 && <p role="status">No customer matches.</p>}
        {results && results.length > 1 && (
          <ul class="plain results" aria-label="Matching customers">
            {results.map((user) => (
              <li key={user.id}>
                <button type="button" class="link" aria-pressed={chosen?.id === user.id} onClick={() => setChosen(user)}>
                  {user.name} · {user.email}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {chosen && <ConsoleUser key={chosen.id} user={chosen} />}
      <ConsoleChat />
    </div>
  );
}
