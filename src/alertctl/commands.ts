// alertctl's commands: what each one does, its flags and its output (text and --json).
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { alertEventSchema } from '../alert-event';
import { parseDuration } from '../duration';
import { indexTemplate, installIndexTemplate } from '../store/rollover';
import { opensearchClient } from '../connections/opensearch';
import { SEVERITIES } from '../contracts/alert';
import type { DeliveryState } from '../contracts/delivery';
import { WORKFLOW_TYPE } from '../contracts/ids';
import { resolvedEventOf } from '../lifecycle/resolve-event';
import { abandonUpdate, acknowledgeUpdate, retryUpdate, statusQuery } from '../contracts/messages';
import { UsageError } from './usage-error';
import { FailedError } from './failed-error';
import { oncall } from './oncall';
import { silence } from './silence';
import { type Command, SA_NAMES, describeOrNotFound, durationFlag, issues, notFoundOr, queryValue, saValues, stateText, temporal, uiUrl, updateError, wid, xadd } from './support';

export const commands: Record<string, Command> = {
  publish: {
    summary: 'append an alert to the stream',
    usage: `alertctl publish [--severity critical|high|medium|low|info] [--title T] [--rule-id R] [--rule-name N]
                 [--view V] [--scope S] [--label k=v ...] [--channel NAME ...] [--description D]
                 [--alert-id ID] [--file event.json] [--json]
  Appends one AlertEvent to the stream (field "event") and prints its message ID and workflow ID.
  With --file, the JSON file is the event and flags override its fields.
  --json: {"messageId", "stream", "workflowId", "ui", "event"}`,
    options: {
      severity: { type: 'string' }, title: { type: 'string' }, 'rule-id': { type: 'string' }, 'rule-name': { type: 'string' },
      view: { type: 'string' }, scope: { type: 'string' }, label: { type: 'string', multiple: true }, channel: { type: 'string', multiple: true },
      description: { type: 'string' }, 'alert-id': { type: 'string' }, file: { type: 'string' },
    },
    positionals: 0,
    async run(cfg, _args, o) {
      let base: Record<string, unknown> = {};
      if (o.file) {
        let raw: string;
        try {
          raw = fs.readFileSync(String(o.file), 'utf8');
        } catch (e) {
          throw new UsageError(`--file ${String(o.file)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
        }
        try {
          base = JSON.parse(raw) as Record<string, unknown>;
        } catch (e) {
          throw new UsageError(`--file ${String(o.file)}: not JSON (${(e as Error).message})`);
        }
        if (!base || typeof base !== 'object' || Array.isArray(base)) throw new UsageError(`--file ${String(o.file)}: expected a JSON object (an AlertEvent)`);
      }
      const labelArgs = (o.label as string[] | undefined) ?? [];
      for (const kv of labelArgs) if (!/^[^=]+=/.test(kv)) throw new UsageError(`--label ${kv}: expected key=value`);
      const labels: Record<string, string> = Object.fromEntries(labelArgs.map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
      const event = {
        alertId: randomUUID(), ruleId: 'manual', ruleName: 'Published with alertctl', severity: 'info', title: 'Test alert from alertctl',
        view: 'default', scope: 'default', firedAt: new Date().toISOString(),
        ...base,
        ...(o['alert-id'] ? { alertId: o['alert-id'] } : {}), ...(o.severity ? { severity: o.severity } : {}), ...(o.title ? { title: o.title } : {}),
        ...(o['rule-id'] ? { ruleId: o['rule-id'] } : {}), ...(o['rule-name'] ? { ruleName: o['rule-name'] } : {}),
        ...(o.view ? { view: o.view } : {}), ...(o.scope ? { scope: o.scope } : {}), ...(o.description ? { description: o.description } : {}),
        ...(Object.keys(labels).length ? { labels } : {}), ...(o.channel ? { channels: o.channel } : {}),
      };
      const check = alertEventSchema.safeParse(event);
      if (!check.success) throw new UsageError(`not a valid AlertEvent: ${issues(check.error).join('; ')}`);
      const { messageId, workflowId } = await xadd(cfg, event);
      return {
        text: `published ${messageId} to stream ${cfg.stream}\nworkflow  ${workflowId}\nUI        ${uiUrl(cfg, workflowId)}`,
        json: { messageId, stream: cfg.stream, workflowId, ui: uiUrl(cfg, workflowId), event },
      };
    },
  },
  status: {
    summary: "an alert's delivery state (alias: show)",
    usage: `alertctl status <message ID | workflow ID> [--json]     (or: alertctl show …)
  Prints the delivery state: status, per-channel results, search attributes.
  --json: {"workflowId", "runId", "execution", "startTime", "closeTime", "searchAttributes", "state", "ui"}
  ("state" is {"unavailable": reason} when no worker answers the status query within 10 s)`,
    options: {},
    positionals: 1,
    async run(cfg, args) {
      const id = wid(cfg, args[0]);
      return temporal(cfg, async (c) => {
        const desc = await describeOrNotFound(c, cfg, id);
        const state: DeliveryState | { unavailable: string } = await c
          .withDeadline(Date.now() + 10_000, () => c.workflow.getHandle(id).query(statusQuery))
          .catch((e: Error) => ({ unavailable: e.message }));
        const sa = desc.searchAttributes;
        const json = {
          workflowId: id, runId: desc.runId, execution: desc.status.name, startTime: desc.startTime.toISOString(), closeTime: desc.closeTime?.toISOString() ?? null,
          searchAttributes: sa, state, ui: uiUrl(cfg, id),
        };
        const text = [
          `workflow  ${id}   (${desc.status.name}, started ${json.startTime}${json.closeTime ? `, closed ${json.closeTime}` : ''})`,
          `alert     severity ${saValues(sa, SA_NAMES.severity)[0] ?? '-'}   rule ${saValues(sa, SA_NAMES.rule)[0] ?? '-'}`,
          'unavailable' in state ? `status    ${saValues(sa, SA_NAMES.status)[0] ?? '-'} (from search attributes; the status query failed: ${state.unavailable})` : stateText(state),
          `UI        ${json.ui}`,
        ].join('\n');
        return { text, json };
      });
    },
  },
  list: {
    summary: 'alerts by delivery status, severity, rule, age',
    usage: `alertctl list [--status pending|delivered|failed|abandoned|rejected|…] [--since 1h] [--severity S] [--rule R] [--limit 100] [--json]
  Lists alert deliveries from Temporal visibility (the same query the Web UI runs).
  --json: {"query", "count", "alerts": [{"workflowId", "runId", "status", "severity", "ruleId", "failedChannels", "execution", "startTime", "closeTime"}]}`,
    options: { status: { type: 'string' }, since: { type: 'string' }, severity: { type: 'string' }, rule: { type: 'string' }, limit: { type: 'string' } },
    positionals: 0,
    async run(cfg, _args, o) {
      const clauses = [`WorkflowType = "${WORKFLOW_TYPE}"`];
      if (o.status) clauses.push(`${SA_NAMES.status} = "${queryValue('status', o.status)}"`);
      if (o.severity) {
        if (!(SEVERITIES as readonly string[]).includes(String(o.severity))) throw new UsageError(`--severity ${String(o.severity)}: expected one of ${SEVERITIES.join(', ')}`);
        clauses.push(`${SA_NAMES.severity} = "${String(o.severity)}"`);
      }
      if (o.rule) clauses.push(`${SA_NAMES.rule} = "${queryValue('rule', o.rule)}"`);
      if (o.since) {
        const ms = parseDuration(String(o.since));
        if (ms === undefined) throw new UsageError(`--since ${String(o.since)}: expected a duration such as 30m, 1h, 7d`);
        clauses.push(`StartTime > "${new Date(Date.now() - ms).toISOString()}"`);
      }
      const query = clauses.join(' AND ');
      const limit = Number(o.limit ?? 100);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${String(o.limit)}: expected a whole number of 1 or more`);
      return temporal(cfg, async (c) => {
        const alerts = [];
        for await (const wf of c.workflow.list({ query })) {
          const sa = wf.searchAttributes;
          alerts.push({
            workflowId: wf.workflowId, runId: wf.runId, status: saValues(sa, SA_NAMES.status)[0] ?? null, severity: saValues(sa, SA_NAMES.severity)[0] ?? null,
            ruleId: saValues(sa, SA_NAMES.rule)[0] ?? null, failedChannels: saValues(sa, SA_NAMES.failed), execution: wf.status.name,
            startTime: wf.startTime.toISOString(), closeTime: wf.closeTime?.toISOString() ?? null,
          });
          if (alerts.length >= limit) break;
        }
        const rows = alerts.map((a) => [a.workflowId, a.status ?? '-', a.severity ?? '-', a.ruleId ?? '-', a.failedChannels.join(',') || '-', a.startTime].join('\t'));
        return { text: [`# ${query}`, ...rows, `# ${alerts.length} alert(s)`].join('\n'), json: { query, count: alerts.length, alerts } };
      });
    },
  },
  ack: {
    summary: 'acknowledge an incident: a human has it (escalation stops)',
    usage: `alertctl ack <message ID | workflow ID> --by NAME [--note TEXT] [--timeout 30s] [--json]
  Sends the workflow's "acknowledge" update with {by, via: "alertctl", note} and prints the state it answers.
  Exit 1 when there is no such workflow, the delivery has finished, the workflow refuses the acknowledgement
  (already acknowledged or resolved, or a workflow that does not know "acknowledge"), or no worker answers in time.
  --json: {"workflowId", "acknowledged": {"by", "via", "note"}, "state"}`,
    options: { by: { type: 'string' }, note: { type: 'string' }, timeout: { type: 'string' } },
    positionals: 1,
    async run(cfg, args, o) {
      const id = wid(cfg, args[0]);
      const by = typeof o.by === 'string' ? o.by.trim() : '';
      if (!by) throw new UsageError('--by NAME is required (who takes the incident)');
      const timeoutMs = durationFlag(o, 'timeout', '30s');
      const input = { by, via: 'alertctl', ...(typeof o.note === 'string' && o.note ? { note: o.note } : {}) };
      return temporal(cfg, async (c) => {
        let state: DeliveryState;
        try {
          state = await c.withDeadline(Date.now() + timeoutMs, () => c.workflow.getHandle(id).executeUpdate(acknowledgeUpdate, { args: [input] }));
        } catch (e) {
          throw await updateError(c, cfg, id, 'acknowledge', e, timeoutMs);
        }
        return { text: `acknowledged ${id} by ${by}${input.note ? ` (${input.note})` : ''}\n${stateText(state)}`, json: { workflowId: id, acknowledged: input, state } };
      });
    },
  },
  resolve: {
    summary: "publish the resolved event of a delivery's incident",
    usage: `alertctl resolve <message ID | workflow ID> [--json]
  Takes the firing delivery's AlertEvent from its workflow input, sets "status": "resolved" (alertId, firedAt and
  every other field kept) and appends it to the stream like publish. That event then travels the normal pipeline:
  its own delivery workflow resolves the incident on every channel that was notified.
  Exit 1 when there is no such workflow, it is not an alert delivery, or its event is itself a resolved one.
  --json: {"messageId", "stream", "workflowId", "ui", "resolves", "alertId", "event"}`,
    options: {},
    positionals: 1,
    async run(cfg, args) {
      const id = wid(cfg, args[0]);
      const found = await temporal(cfg, (c) => resolvedEventOf(c, cfg.namespace, id).catch((e: unknown) => {
        throw notFoundOr(e, cfg, id);
      }));
      if (!found.ok) throw new FailedError(found.problem);
      if (found.stream && found.stream !== cfg.stream) {
        throw new FailedError(`cannot resolve: ${id} came from stream ${found.stream}, but ALERT_STREAM is ${cfg.stream}: set ALERT_STREAM=${found.stream}`);
      }
      const { event } = found;
      const { messageId, workflowId } = await xadd(cfg, event);
      return {
        text: `published ${messageId} to stream ${cfg.stream}: incident ${event.alertId} resolved (firing delivery ${id})\nworkflow  ${workflowId}\nUI        ${uiUrl(cfg, workflowId)}`,
        json: { messageId, stream: cfg.stream, workflowId, ui: uiUrl(cfg, workflowId), resolves: id, alertId: event.alertId, event },
      };
    },
  },
  retry: {
    summary: 're-run the failed channels of one parked alert, or of all',
    usage: `alertctl retry <message ID | workflow ID> | --all-failed [--json]
  Re-runs the failed channels now and prints the new result. Exit 1 if any alert was not retried.
  --json: {"results": [{"workflowId", "retried": true, "state"} | {"workflowId", "retried": false, "error"}]}`,
    options: { 'all-failed': { type: 'boolean' } },
    positionals: 1,
    async run(cfg, args, o) {
      if (o['all-failed'] && args.length) throw new UsageError('give either an alert ID or --all-failed, not both');
      const single = o['all-failed'] ? undefined : wid(cfg, args[0]);
      return temporal(cfg, async (c) => {
        const ids: string[] = [];
        if (single) ids.push(single);
        else {
          const query = `WorkflowType = "${WORKFLOW_TYPE}" AND ${SA_NAMES.status} = "failed" AND ExecutionStatus = "Running"`;
          for await (const wf of c.workflow.list({ query })) ids.push(wf.workflowId);
        }
        const results: ({ workflowId: string; retried: true; state: DeliveryState } | { workflowId: string; retried: false; error: string })[] = [];
        for (const id of ids) {
          try {
            results.push({ workflowId: id, retried: true, state: await c.workflow.getHandle(id).executeUpdate(retryUpdate) });
          } catch (e) {
            const err = await updateError(c, cfg, id, 'retry', e);
            if (single) throw err;
            results.push({ workflowId: id, retried: false, error: err.message });
          }
        }
        const lines = results.map((r) => (r.retried ? `${r.workflowId}\t${r.state.status}\t${r.state.channels.map((ch) => `${ch.channel}=${ch.status}`).join(' ')}` : `${r.workflowId}\tnot retried: ${r.error}`));
        if (!single) lines.push(`# ${ids.length} failed alert(s) retried`);
        const notRetried = results.filter((r) => !r.retried).length;
        return { text: lines.join('\n'), json: { results }, ...(notRetried ? { failed: `${notRetried} of ${results.length} alert(s) not retried` } : {}) };
      });
    },
  },
  abandon: {
    summary: 'stop trying, with a reason',
    usage: `alertctl abandon <message ID | workflow ID> --reason "why" [--json]
  Stops trying; the alert ends as abandoned with the reason.
  --json: {"workflowId", "state"}`,
    options: { reason: { type: 'string' } },
    positionals: 1,
    async run(cfg, args, o) {
      const id = wid(cfg, args[0]);
      if (!o.reason) throw new UsageError('--reason "why" is required');
      return temporal(cfg, async (c) => {
        let s: DeliveryState;
        try {
          s = await c.workflow.getHandle(id).executeUpdate(abandonUpdate, { args: [String(o.reason)] });
        } catch (e) {
          throw await updateError(c, cfg, id, 'abandon', e);
        }
        return { text: `${id}\t${s.status}\t${s.abandonReason ?? ''}`, json: { workflowId: id, state: s } };
      });
    },
  },
  history: {
    summary: 'export a workflow history as JSON (replay-test format)',
    usage: `alertctl history <message ID | workflow ID> [--out file.json] [--json]
  Exports the workflow history as JSON (the format of test/histories), to stdout or --out.
  --json: the history itself; with --out, {"workflowId", "out", "events"}`,
    options: { out: { type: 'string' } },
    positionals: 1,
    async run(cfg, args, o) {
      const id = wid(cfg, args[0]);
      return temporal(cfg, async (c) => {
        const history = await c.workflow.getHandle(id).fetchHistory().catch((e: unknown) => {
          throw notFoundOr(e, cfg, id);
        });
        const json = historyToJSON(history);
        if (!o.out) return { text: json, json: JSON.parse(json) as unknown };
        try {
          fs.writeFileSync(String(o.out), json);
        } catch (e) {
          throw new FailedError(`cannot write ${String(o.out)}: ${(e as Error).message}`);
        }
        return { text: `wrote ${String(o.out)}`, json: { workflowId: id, out: String(o.out), events: history.events?.length ?? 0 } };
      });
    },
  },
  'index-template': {
    summary: 'print or install the OpenSearch index template (rollover mode)',
    usage: `alertctl index-template [--install] [--priority 100] [--ism] [--json]
  Prints the body of PUT /_index_template/<ALERT_INDEX>: every index "<ALERT_INDEX>-*" gets this service's
  strict mapping and OPENSEARCH_INDEX_SHARDS/_REPLICAS. --install puts it through OPENSEARCH_URL (with the
  OPENSEARCH_* credentials; needs the right to manage index templates). --ism adds the setting ISM's rollover
  action needs (plugins.index_state_management.rollover_alias; accepted only where ISM is installed).
  With OPENSEARCH_INDEX_ROLLOVER=true the service creates <ALERT_INDEX>-000001 behind the write alias
  <ALERT_INDEX> at start-up, and refuses to start while the template would make the next index differently.
  --json: the template body; with --install, {"installed", "indexPatterns", "at"}`,
    options: { install: { type: 'boolean' }, priority: { type: 'string' }, ism: { type: 'boolean' } },
    positionals: 0,
    async run(cfg, _args, o) {
      const priority = o.priority === undefined ? 100 : Number(o.priority);
      if (!Number.isInteger(priority) || priority < 0) throw new UsageError(`--priority ${String(o.priority)}: expected a whole number`);
      const body = indexTemplate(cfg.index, cfg.opensearch.index, { priority, ism: o.ism === true });
      if (!o.install) return { text: JSON.stringify(body, null, 2), json: body };
      const client = opensearchClient(cfg.opensearch);
      try {
        await installIndexTemplate(client, cfg.index, body);
      } catch (e) {
        throw new FailedError(`cannot install the index template "${cfg.index}" at ${cfg.opensearch.describe}: ${(e as Error).message}`);
      } finally {
        await client.close();
      }
      return {
        text: `installed index template "${cfg.index}" for indices "${cfg.index}-*" at ${cfg.opensearch.describe}`,
        json: { installed: cfg.index, indexPatterns: [`${cfg.index}-*`], at: cfg.opensearch.describe },
      };
    },
  },
  silence,
  oncall,
};
