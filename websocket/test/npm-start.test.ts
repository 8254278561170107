import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './support/deploy-files';

// `npm start` runs both services under concurrently with the root package.json's flags. This runs those very
// flags with two stand-in commands: "core" crashes on start, "ws" keeps running for a few seconds.
const startScript = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts
  .start;

const BACKSTOP_MS = 8_000;

function runStart(
  core: string,
  ws: string,
  { signal = 'SIGINT', afterMs = 8_000 }: { signal?: NodeJS.Signals; afterMs?: number } = {},
): Promise<{ output: string; stoppedInMs: number }> {
  const script = startScript
    .replace('"npm:start -w bank-core"', JSON.stringify(`node -e ${JSON.stringify(core)}`))
    .replace('"npm:start -w websocket"', JSON.stringify(`node -e ${JSON.stringify(ws)}`));
  if (script === startScript) throw new Error(`the start script no longer names its two commands: ${startScript}`);
  return new Promise((resolve) => {
    // exec: the signal that ends the run reaches concurrently itself, not a shell waiting on it.
    // detached: its own process group, so the backstop below can end concurrently and its commands together.
    const child = spawn(`exec ${script}`, {
      shell: true,
      detached: true,
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: `${path.join(REPO_ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let signalledAt = Number.NaN;
    let backstop: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      signalledAt = Date.now();
      child.kill(signal);
      // A run that does not stop on the signal is ended here, so the test fails on its figure instead of hanging.
      backstop = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), BACKSTOP_MS);
    }, afterMs);
    child.on('exit', () => {
      clearTimeout(timer);
      clearTimeout(backstop);
      resolve({ output, stoppedInMs: Date.now() - signalledAt });
    });
  });
}

describe('npm start', () => {
  it('keeps the websocket service running when bank-core crashes', async () => {
    const { output } = await runStart(
      "console.log('core up'); setTimeout(() => process.exit(1), 100)",
      "let n = 0; const t = setInterval(() => { console.log('ws tick ' + ++n); if (n === 25) { clearInterval(t); } }, 100)",
    );
    // The websocket stand-in ran to its end (25 ticks over 2.5 s), long after bank-core's first crash at 0.1 s.
    expect(output).toContain('ws tick 25');
  }, 20_000);

  // A process manager (or `kill`) stops `npm start` with SIGTERM: both services stop and nothing starts them
  // again (concurrently's --restart-tries would take the services' SIGTERM exits for crashes and restart them).
  it('stops both services for good on SIGTERM', async () => {
    const forever = "console.log('up'); setInterval(() => {}, 1000)";
    const { output, stoppedInMs } = await runStart(forever, forever, { signal: 'SIGTERM', afterMs: 1_500 });
    expect(stoppedInMs).toBeLessThan(5_000);
    expect(output.match(/\] up/g)?.length).toBe(2);
  }, 20_000);
});
