/**
 * Signs a quiet page out: after `timeoutMs` without a key press, click, touch or scroll it calls
 * onTimeout, and `warningMs` before that onWarn (the page then asks "stay signed in?"). Activity
 * while the warning shows does not count: only the dialog's button (touch()) keeps the session.
 */
export function createIdleTimer({
  timeoutMs,
  warningMs,
  onWarn,
  onTimeout,
}: {
  timeoutMs: number;
  warningMs: number;
  onWarn: () => void;
  onTimeout: () => void;
}) {
  let warnTimer: ReturnType<typeof setTimeout> | undefined;
  let endTimer: ReturnType<typeof setTimeout> | undefined;
  let warned = false;
  const events = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

  function touch() {
    warned = false;
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(
      () => {
        warned = true;
        onWarn();
      },
      Math.max(0, timeoutMs - warningMs),
    );
    endTimer = setTimeout(onTimeout, timeoutMs);
  }
  const onActivity = () => {
    if (!warned) touch();
  };
  for (const name of events) window.addEventListener(name, onActivity, { passive: true, capture: true });
  touch();

  return {
    touch,
    stop() {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      for (const name of events) window.removeEventListener(name, onActivity, { capture: true });
    },
  };
}

export type IdleTimer = ReturnType<typeof createIdleTimer>;
