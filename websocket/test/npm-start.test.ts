import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './support/deploy-files';

// `npm start` runs both services under concurrently with the root package.json's flags. This runs those very
// flags with two stand-in commands: "core" crashes on start, "ws" keeps running for a few seconds.
const startScript = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts
  .start;

function runStart(core: string, ws: string): Promise<string> {
  const script = startScript
    .replace('"npm:start -w bank-core"', JSON.stringify(`node -e ${JSON.stringify(core)}`))
    .replace('"npm:start -w websocket"', JSON.stringify(`node -e ${JSON.stringify(ws)}`));
  if (script === startScript) throw new Error(`the start script no longer names its two commands: ${startScript}`);
  return new Promise((resolve) => {
    // exec: the signal that ends the run reaches concurrently itself, not a shell waiting on it.
    const child = spawn(`exec ${script}`, {
      shell: true,
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: `${path.join(REPO_ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), 8_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

describe('npm start', () => {
  it('keeps the websocket service running when bank-core crashes, and starts bank-core again after a delay', async () => {
    const output = await runStart(
      "console.log('core up'); setTimeout(() => process.exit(1), 100)",
      "let n = 0; const t = setInterval(() => { console.log('ws tick ' + ++n); if (n === 25) { clearInterval(t); } }, 100)",
    );
    // The websocket stand-in ran to its end (25 ticks over 2.5 s), long after bank-core's first crash at 0.1 s.
    expect(output).toContain('ws tick 25');
    expect(output.match(/\[core\] core up/g)?.length).toBeGreaterThanOrEqual(2);
  }, 20_000);
});
