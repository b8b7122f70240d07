// The service's processes as the tests and the tools start them: their environment on the local stack, their
// channels file, and stopping a child process gently.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { CLUSTER_ENV, OPENSEARCH_URL, REDIS_URL, TEMPORAL_ENV } from './local-stack';

/** The names one run's processes share. */
export interface ServiceNames {
  stream: string;
  group: string;
  index: string;
  taskQueue: string;
  channelsFile: string;
}

/** A service process's environment on the local stack: these names, quick start-up and polling, then `extra`. */
export function serviceEnv(e: ServiceNames & { extra?: Record<string, string> }): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    REDIS_URL,
    ...CLUSTER_ENV,
    ...TEMPORAL_ENV,
    OPENSEARCH_URL,
    ALERT_STREAM: e.stream,
    ALERT_CONSUMER_GROUP: e.group,
    ALERT_INDEX: e.index,
    TEMPORAL_TASK_QUEUE: e.taskQueue,
    CHANNELS_FILE: e.channelsFile,
    METRICS_PORT: '0',
    STARTUP_TIMEOUT: '10s',
    INGEST_BLOCK: '200ms',
    ...e.extra,
  };
}

/** A webhook channel of a channels file (config/channels.example.yaml). */
export interface WebhookChannel {
  url: string;
  retry?: Record<string, unknown>;
  timeout?: string;
  required?: boolean;
  secret?: string;
}

/** Writes `doc` as YAML to `<a new temp dir named prefix…>/<name>`; returns the file's path (its directory is the caller's to remove). */
export function writeYamlFile(prefix: string, name: string, doc: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), name);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

/**
 * Writes a channels file with one webhook channel per entry of `channels` and the rest of `config` (routes,
 * inhibit_rules …) into a temp dir (alert-channels-*); returns its path. YAML may be appended to it.
 */
export function writeChannelsFile(channels: Record<string, WebhookChannel>, config: Record<string, unknown> = {}): string {
  const webhooks = Object.fromEntries(Object.entries(channels).map(([name, c]) => [name, { type: 'webhook', ...c }]));
  return writeYamlFile('alert-channels-', 'channels.yaml', { channels: webhooks, ...config });
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it has exited (`exited`: its exit event). */
export async function stopGracefully(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}
