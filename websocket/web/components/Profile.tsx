import { useState } from 'preact/hooks';
import { useAppState, useSession } from './context';
import { ErrorText, Field, inputValue, Success, useAction } from './ui';
import { PASSWORD_HINT, PASSWORD_MIN_CHARS, passwordProblem } from '../format/text';

/** Name, email and password; the email and the password need the current password. */
export function Profile() {
  const session = useSession();
  const user = useAppState((s) => s.user!);
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email);
  const [emailPassword, setEmailPassword] = useState('');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const details = useAction();
  const password = useAction();

  const update = (changes: Parameters<typeof session.bank.updateUser>[1], message: string) =>
    details.run(async () => {
      setDone(null);
      const updated = await session.bank.updateUser(user.id, changes);
      session.store.set({ user: updated });
      session.interaction('updated-profile', { fields: Object.keys(changes).filter((k) => k !== 'currentPassword') });
      setEmailPassword('');
      setDone(message);
    });

  const changePassword = (event: Event) => {
    event.preventDefault();
    if (next !== again) return void password.run(() => Promise.reject(new Error('The new passwords do not match')));
    const problem = passwordProblem(next);
    if (problem) return void password.run(() => Promise.reject(new Error(problem)));
    void password.run(() => session.changePassword(current, next));
  };

  return (
    <div class="screen">
      <section class="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <form
          class="stack"
          aria-label="Change name"
          onSubmit={(e) => {
            e.preventDefault();
            void update({ name: name.trim() }, 'Name saved.');
          }}
        >
          <Field label="Full name">
            <input name="name" autocomplete="name" required maxLength={100} value={name} onInput={(e) => setName(inputValue(e))} />
          </Field>
          <button type="submit" class="secondary" disabled={details.busy}>
            Save name
          </button>
        </form>
        <form
          class="stack"
          aria-label="Change email"
          onSubmit={(e) => {
            e.preventDefault();
            void update({ email: email.trim(), currentPassword: emailPassword }, 'Email saved.');
          }}
        >
          <Field label="Email">
            <input
              name="email"
              type="email"
              autocomplete="email"
              required
              maxLength={254}
              value={email}
              onInput={(e) => setEmail(inputValue(e))}
            />
          </Field>
          <Field label="Current password (to change the email)">
            <input
              name="currentPassword"
              type="password"
              autocomplete="current-password"
              required
              value={emailPassword}
              onInput={(e) => setEmailPassword(inputValue(e))}
            />
          </Field>
          <button type="submit" class="secondary" disabled={details.busy}>
            Save email
          </button>
        </form>
        <ErrorText error={details.error} />
        {done && <Success>{done}</Success>}
      </section>
      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Change password</h2>
        <form class="stack" onSubmit={changePassword} aria-label="Change password">
          <Field label="Current password">
            <input
              type="password"
              name="current"
              autocomplete="current-password"
              required
              value={current}
              onInput={(e) => setCurrent(inputValue(e))}
            />
          </Field>
          <Field label="New password" hint={`${PASSWORD_HINT}. You will be signed out everywhere and sign in again.`}>
            <input
              type="password"
              name="new"
              autocomplete="new-password"
              required
              minLength={PASSWORD_MIN_CHARS}
              value={next}
              onInput={(e) => setNext(inputValue(e))}
            />
          </Field>
          <Field label="New password again">
            <input
              type="password"
              name="again"
              autocomplete="new-password"
              required
              value={again}
              onInput={(e) => setAgain(inputValue(e))}
            />
          </Field>
          <ErrorText error={password.error} />
          <button type="submit" class="primary" disabled={password.busy}>
            Change password
          </button>
        </form>
      </section>
    </div>
  );
}
