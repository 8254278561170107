import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 60_000;

/** The services this launcher runs: each workspace's entry point prints `<name> ready: <url>` once listening. */
export type ServiceName = 'bank-core' | 'websocket';

const argsFor = (service: ServiceName, compiled: boolean) =>
  compiled
    ? [path.join(ROOT, service, 'dist/main.js')]
    : ['--conditions=development', '--import', 'tsx', path.join(ROOT, service, 'src/main.ts')];

export interface ServiceProcess {
  /** http://host:port, the same across restarts when its port (APP_PORT_1 / APP_PORT_2) is fixed. */
  url: string;
  pid: number;
  /** Everything it printed (the last 64 KiB), for a failure report. */
  output(): string;
  /** kill -9: no shutdown, no flushing, requests in flight cut. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the graceful exit. */
  stop(): Promise<void>;
}

/**
 * Runs `service` (bank-core unless told) from its sources as `npm start` does (node with the tsx loader,
 * the `development` condition), or `compiled` as in production (`node <service>/dist/main.js`, after
 * `npm run build`), as a real process of its own that can be killed, with exactly `env` plus PATH.
 * @throws Error with its output when it exits or stays silent before announcing it is ready.
 */
export function startServiceProcess(
  env: Record<string, string>,
  { compiled = false, service = 'bank-core' }: { compiled?: boolean; service?: ServiceName } = {},
): Promise<ServiceProcess> {
  const ready = new RegExp(`^${service} ready: (http://\\S+)`, 'm');
  const child = spawn(process.execPath, argsFor(service, compiled), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${service} did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited with ${code} before it was ready:\n${output}`));
    };
    child.once('exit', onExit);
    const watch = () => {
      const announced = ready.exec(output);
      if (!announced) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout.off('data', watch);
      resolve(handle(child, announced[1]!, () => output, exited));
    };
    child.stdout.on('data', watch);
  });
}

function handle(child: ChildProcess, url: string, output: () => string, exited: Promise<void>): ServiceProcess {
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { url, pid: child.pid!, output, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/** A loopback port that was free a moment ago, so a restarted process can listen where its clients expect it. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
