// Rollover mode (OPENSEARCH_INDEX_ROLLOVER=true): ALERT_INDEX is a write alias over `<ALERT_INDEX>-000001`,
// `-000002`, …, each created from an index template that carries exactly the service's mapping, rolled
// over by ISM (or `POST /<alias>/_rollover`) and retired by deleting whole old indices.
// The template body is generated here from ALERT_MAPPING (`alertctl index-template`), so it cannot drift.
import type { Client } from '@opensearch-project/opensearch';
import { ALERT_MAPPING } from './mapping';

/** The index settings the service uses (OPENSEARCH_INDEX_SHARDS / _REPLICAS). */
export interface IndexSettings {
  shards: number;
  replicas: number;
}

export interface TemplateOptions {
  /** Composable templates with overlapping patterns need distinct priorities (default 100). */
  priority?: number;
  /** Adds `plugins.index_state_management.rollover_alias` (needed by ISM's rollover action; only valid where ISM is installed). */
  ism?: boolean;
}

/** The first index behind the alias, created by the service at start-up when the alias is absent. */
export function firstIndexName(alias: string): string {
  return `${alias}-000001`;
}

/** What `_rollover` names the successor of `index` (`…-000007` → `…-000008`); undefined if it cannot name one. */
export function nextIndexName(index: string): string | undefined {
  const m = /^(.*-)(\d+)$/.exec(index);
  if (!m) return undefined;
  return `${m[1]}${String(Number(m[2]) + 1).padStart(6, '0')}`;
}

/** The body of `PUT /_index_template/<name>`: indices `<alias>-*` get our strict mapping and settings. */
export function indexTemplate(alias: string, settings: IndexSettings, opts: TemplateOptions = {}): Record<string, unknown> {
  return {
    index_patterns: [`${alias}-*`],
    priority: opts.priority ?? 100,
    template: {
      settings: {
        number_of_shards: settings.shards,
        number_of_replicas: settings.replicas,
        refresh_interval: '1s',
        ...(opts.ism ? { 'plugins.index_state_management.rollover_alias': alias } : {}),
      },
      mappings: ALERT_MAPPING,
    },
    _meta: { managed_by: 'alert-delivery', description: `alert documents; write alias "${alias}"` },
  };
}

/** Installs (or replaces) the template. Needs the cluster-level right to manage index templates. */
export async function installIndexTemplate(client: Client, name: string, body: Record<string, unknown>): Promise<void> {
  await client.indices.putIndexTemplate({ name, body });
}

/**
 * The time a Redis stream message ID was added (`<ms>-<seq>`), or undefined if the ID carries no usable
 * time (a bare custom ID, or one in the future by more than `skewMs`).
 */
export function messageTime(messageId: string, now = Date.now(), skewMs = 0): number | undefined {
  const m = /^(\d{1,16})-\d+$/.exec(messageId);
  if (!m) return undefined;
  const t = Number(m[1]);
  return t > now + skewMs ? undefined : t;
}
