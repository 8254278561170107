import { useAppState, useSession } from './context';
import { Dialog } from './ui';

/** Asks a quiet page whether to stay signed in, before the idle timeout signs it out. */
export function IdleWarning() {
  const session = useSession();
  const open = useAppState((s) => s.idleWarning);
  return (
    <Dialog open={open} title="Are you still there?" onClose={() => session.stayActive()}>
      <p>For your safety you will be signed out soon because nothing has happened for a while.</p>
      <div class="actions">
        <button type="button" class="primary" onClick={() => session.stayActive()}>
          Stay signed in
        </button>
        <button type="button" class="secondary" onClick={() => void session.signOut()}>
          Sign out now
        </button>
      </div>
    </Dialog>
  );
}
