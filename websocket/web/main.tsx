import { render } from 'preact';
import type { PageConfig } from './api/types';
import { App } from './components/App';
import { createSession } from './state/session';
import './styles.css';

async function main() {
  const res = await fetch('/api/websocket/config', { cache: 'no-store' });
  const config = (await res.json()) as PageConfig;
  const session = createSession(config);
  // Every uncaught script error reaches errors.txt (support sees what the customer's page did).
  window.addEventListener('error', (event) => session.scriptError({ message: event.message, source: event.filename, line: event.lineno }));
  window.addEventListener('unhandledrejection', (event) => session.scriptError({ message: String(event.reason) }));
  render(<App session={session} />, document.getElementById('app')!);
  await session.restore();
}

void main();
