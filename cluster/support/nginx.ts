import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { accepts } from './redis-server';

const ROOT = path.resolve(__dirname, '../..');
/** The balancer's configuration, the same file docker-compose mounts into the nginx image. */
export const NGINX_TEMPLATE = path.join(ROOT, 'deploy/nginx/templates/bank.conf.template');
const NGINX_BINARY = '/usr/sbin/nginx';
const START_TIMEOUT_MS = 10_000;

export interface NginxSettings {
  port: number;
  /** host:port of each bank-core and each websocket instance. */
  bankCores: string[];
  websockets: string[];
}

/**
 * The template with its variables filled in, as the nginx image's envsubst does (only the three named
 * variables; nginx's own $variables stay).
 */
export function renderTemplate(template: string, settings: NginxSettings): string {
  // nginx refuses an empty upstream; a topology without websocket instances gets one marked down (502).
  const servers = (addresses: string[]) =>
    addresses.length === 0 ? 'server 127.0.0.1:9 down;' : addresses.map((address) => `server ${address};`).join(' ');
  const values: Record<string, string> = {
    NGINX_PORT: `127.0.0.1:${settings.port}`,
    BANK_CORE_SERVERS: servers(settings.bankCores),
    WEBSOCKET_SERVERS: servers(settings.websockets),
  };
  return template.replace(/\$\{(NGINX_PORT|BANK_CORE_SERVERS|WEBSOCKET_SERVERS)\}/g, (_match, name: string) => values[name]!);
}

// Everything nginx writes stays under its prefix; as root its workers keep root's rights, so they can write
// the temp folders of a prefix made by mkdtemp (mode 0700).
const mainConfig = (prefix: string) => `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  include ${prefix}/bank.conf;
}
`;

export interface NginxProcess {
  url: string;
  /** Its error log, for a failure report. */
  errors(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts Debian's nginx (/usr/sbin/nginx) as a child process in the foreground, with `prefix` (an empty
 * folder) as its home and the repository's template rendered for `settings`.
 * @throws Error when nginx is not installed, rejects the configuration, or does not listen within 10 s.
 */
export async function startNginx(prefix: string, settings: NginxSettings): Promise<NginxProcess> {
  if (!existsSync(NGINX_BINARY)) throw new Error(`${NGINX_BINARY} is missing: apt-get install -y nginx-light`);
  await mkdir(prefix, { recursive: true });
  await writeFile(path.join(prefix, 'bank.conf'), renderTemplate(await readFile(NGINX_TEMPLATE, 'utf8'), settings));
  const conf = path.join(prefix, 'nginx.conf');
  await writeFile(conf, mainConfig(prefix));

  // -e: nginx opens its default error log before reading the configuration unless told otherwise.
  const child = spawn(NGINX_BINARY, ['-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errors = async () => stderr + (await readFile(path.join(prefix, 'error.log'), 'utf8').catch(() => ''));

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(settings.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start:\n${await errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${settings.port}`,
    errors,
    stop: async () => {
      // SIGTERM is nginx's fast shutdown (SIGQUIT would wait for every open socket to end).
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(forced);
    },
  };
}
