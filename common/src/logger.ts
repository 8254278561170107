import path from 'node:path';
import winston from 'winston';

export interface LoggerOptions {
  service: string;
  level: string;
  /** Folder for error.log and info.log; omitted -> console only. */
  dir?: string;
  console: boolean;
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|hash/i;
const MAX_DEPTH = 6;

/** Replaces the value of every secret-looking key, at any depth, so no log line ever carries one. */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, depth + 1));
  const masked: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    masked[key] = SECRET_KEY.test(key) ? '[redacted]' : maskSecrets(item, depth + 1);
  }
  return masked;
}

const mask = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    info[key] = SECRET_KEY.test(key) ? '[redacted]' : maskSecrets(info[key]);
  }
  return info;
});

/** JSON lines: error.log gets errors, info.log everything at `level` and above. */
export function createLogger(options: LoggerOptions): winston.Logger {
  const json = winston.format.combine(winston.format.timestamp(), mask(), winston.format.json());
  const transports: winston.transport[] = [];
  if (options.dir) {
    transports.push(
      new winston.transports.File({ filename: path.join(options.dir, 'error.log'), level: 'error' }),
      new winston.transports.File({ filename: path.join(options.dir, 'info.log') }),
    );
  }
  if (options.console) transports.push(new winston.transports.Console());
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service },
    format: json,
    transports,
    silent: transports.length === 0,
  });
}

export type Logger = winston.Logger;
