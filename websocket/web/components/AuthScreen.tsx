import { useRef, useState } from 'preact/hooks';
import { useAppState, useSession } from './context';
import { ErrorText, Field, inputValue, useAction } from './ui';
import { PASSWORD_HINT, PASSWORD_MIN_CHARS, passwordProblem } from '../format/text';

type Tab = 'sign-in' | 'sign-up';

/** Sign in or create an account. Tabs follow the ARIA tabs pattern (arrow keys move between them). */
export function AuthScreen() {
  const session = useSession();
  const endedBecause = useAppState((s) => s.endedBecause);
  const [tab, setTab] = useState<Tab>('sign-in');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const tabs = useRef<Record<Tab, HTMLButtonElement | null>>({ 'sign-in': null, 'sign-up': null });

  const choose = (next: Tab) => {
    setTab(next);
    action.clear();
    tabs.current[next]?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') choose(tab === 'sign-in' ? 'sign-up' : 'sign-in');
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const problem = tab === 'sign-up' ? passwordProblem(password) : null;
    if (problem) return void action.run(() => Promise.reject(new Error(`Password: ${problem}`)));
    void action.run(() => (tab === 'sign-in' ? session.signIn(email, password) : session.signUp(name, email, password)));
  };

  return (
    <main class="auth">
      <header class="brand">
        <h1>Bank</h1>
        <p class="muted">Your money, live.</p>
      </header>
      <section class="card" aria-labelledby="auth-title">
        <h2 id="auth-title">{tab === 'sign-in' ? 'Sign in' : 'Create your account'}</h2>
        {endedBecause && (
          <p class="message info" role="status">
            {endedBecause}
          </p>
        )}
        <div class="tabs" role="tablist" aria-label="Sign in or create an account" onKeyDown={onKeyDown}>
          {(['sign-in', 'sign-up'] as const).map((name) => (
            <button
              key={name}
              ref={(el) => {
                tabs.current[name] = el;
              }}
              type="button"
              role="tab"
              id={`tab-${name}`}
              aria-selected={tab === name}
              aria-controls="auth-form"
              tabIndex={tab === name ? 0 : -1}
              onClick={() => choose(name)}
            >
              {name === 'sign-in' ? 'Sign in' : 'Sign up'}
            </button>
          ))}
        </div>
        <div id="auth-form" role="tabpanel" aria-labelledby={`tab-${tab}`}>
          <form onSubmit={submit} class="stack" aria-labelledby="auth-title">
            {tab === 'sign-up' && (
              <Field label="Full name">
                <input name="name" autocomplete="name" required maxLength={100} value={name} onInput={(e) => setName(inputValue(e))} />
              </Field>
            )}
            <Field label="Email">
              <input
                name="email"
                type="email"
                autocomplete="username"
                required
                maxLength={254}
                value={email}
                onInput={(e) => setEmail(inputValue(e))}
              />
            </Field>
            <Field label="Password" hint={tab === 'sign-up' ? PASSWORD_HINT : undefined}>
              <input
                name="password"
                type="password"
                autocomplete={tab === 'sign-in' ? 'current-password' : 'new-password'}
                required
                minLength={tab === 'sign-up' ? PASSWORD_MIN_CHARS : 1}
                value={password}
                onInput={(e) => setPassword(inputValue(e))}
              />
            </Field>
            <ErrorText error={action.error} />
            <button type="submit" class="primary" disabled={action.busy}>
              {action.busy ? 'Please wait…' : tab === 'sign-in' ? 'Sign in' : 'Create account'}
            </button>
          </form>
        </div>
      </section>
    </main>
  );
}
