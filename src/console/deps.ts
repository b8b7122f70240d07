// What the operator console (src/console/) is built over, beyond the intake's own dependencies (the stream
// writer, the silence and on-call APIs, the logger): its settings, the Temporal client its actions and visibility
// queries go through, and the OpenSearch indices its pages read.
import type { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import type { Client } from '@temporalio/client';
import type { ConsoleSettings } from '../config/console';

export interface ConsoleDeps {
  settings: ConsoleSettings;
  temporal: Client;
  namespace: string;
  /** TEMPORAL_UI_URL: each incident links to its workflow there (absent: no link). */
  uiUrl?: string;
  opensearch: OpenSearchClient;
  /** ALERT_INDEX (the alert documents; an alias in rollover mode). */
  alertIndex: string;
  /** `<ALERT_INDEX>.incidents`: the incident records. */
  incidentIndex: string;
  /** INCIDENT_TIMEOUT: a firing incident not refreshed for this long is stale (not shown as open). */
  incidentTimeoutMs: number;
  /** How long an action (acknowledge, retry, abandon) waits for the workflow's answer (INTAKE_ACK_TIMEOUT). */
  actionTimeoutMs: number;
}

/** The console's dependencies from what the intake opens (src/intake/service.ts). */
export function consoleDeps(o: { settings: ConsoleSettings; temporal: Client; opensearch: OpenSearchClient; namespace: string; index: string; uiUrl?: string; incidentTimeoutMs: number; actionTimeoutMs: number }): ConsoleDeps {
  return {
    settings: o.settings, temporal: o.temporal, namespace: o.namespace, opensearch: o.opensearch, alertIndex: o.index, incidentIndex: `${o.index}.incidents`,
    incidentTimeoutMs: o.incidentTimeoutMs, actionTimeoutMs: o.actionTimeoutMs, ...(o.uiUrl ? { uiUrl: o.uiUrl } : {}),
  };
}
