import type { View } from '../state/store';
import { AccountList } from './AccountList';
import { Console } from './Console';
import { useAppState, useSession } from './context';
import { History } from './History';
import { IdleWarning } from './IdleWarning';
import { MoveMoney } from './MoveMoney';
import { Profile } from './Profile';
import { Statements } from './Statements';
import { SupportChat } from './SupportChat';

const VIEWS: { view: View; label: string; staff?: boolean }[] = [
  { view: 'accounts', label: 'Accounts' },
  { view: 'move', label: 'Move money' },
  { view: 'history', label: 'History' },
  { view: 'statements', label: 'Statements' },
  { view: 'support', label: 'Support chat' },
  { view: 'profile', label: 'Profile' },
  { view: 'console', label: 'Staff console', staff: true },
];

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Disconnected',
  offline: 'Offline',
};

/** The signed-in page: header, navigation, the current screen, and the page-wide notice. */
export function Shell() {
  const session = useSession();
  const { user, view, connection, notice } = useAppState((s) => ({
    user: s.user!,
    view: s.view,
    connection: s.connection,
    notice: s.notice,
  }));
  const views = VIEWS.filter((entry) => !entry.staff || user.role === 'admin');
  return (
    <div class="shell">
      <header class="topbar">
        <div class="brand-line">
          <h1>Bank</h1>
          <p class="pill" data-state={connection} role="status" aria-live="polite">
            {CONNECTION_TEXT[connection]}
          </p>
        </div>
        <div class="who">
          <span>
            Signed in as <strong>{user.name}</strong>
          </span>
          <button type="button" class="secondary" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
        <nav aria-label="Main">
          <ul>
            {views.map((entry) => (
              <li key={entry.view}>
                <button type="button" aria-current={view === entry.view ? 'page' : undefined} onClick={() => session.go(entry.view)}>
                  {entry.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main">
        {notice && (
          <div class={`message ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
            {notice.text}
            {notice.requestId && <span class="reference"> Reference for support: {notice.requestId}</span>}
            <button type="button" class="link" onClick={() => session.notify(null)}>
              Dismiss
            </button>
          </div>
        )}
        {view === 'accounts' && <AccountList />}
        {view === 'move' && <MoveMoney />}
        {view === 'history' && <History />}
        {view === 'statements' && <Statements />}
        {view === 'support' && <SupportChat />}
        {view === 'profile' && <Profile />}
        {view === 'console' && user.role === 'admin' && <Console />}
      </main>
      <IdleWarning />
    </div>
  );
}
