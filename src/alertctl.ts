// alertctl: the on-call operator's tool. Every command has --help.
//   publish   XADD an alert (from flags or a JSON file)
//   status    an alert's delivery state (workflow query + search attributes)
//   list      alerts by delivery status / age (Temporal visibility)
//   retry     re-run the failed channels of one parked alert, or of all of them
//   abandon   stop trying, with a reason
//   history   export a workflow history as JSON (the replay-test format)
//   index-template  print or install the OpenSearch index template of rollover mode
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { alertEventSchema } from './alert-event';
import { loadConfig, type ServiceConfig } from './config';
import { parseDuration } from './duration';
import { ConfigError } from './errors';
import { indexTemplate, installIndexTemplate } from './index-lifecycle';
import { opensearchClient } from './opensearch-connection';
import { connectRedis } from './redis-connection';
import { SEVERITIES, abandonUpdate, retryUpdate, statusQuery, workflowIdFor } from './shared';

type Opts = Record<string, string | boolean | string[] | undefined>;
interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  run(cfg: ServiceConfig, args: string[], o: Opts): Promise<void>;
}

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const uiUrl = (cfg: ServiceConfig, wid: string) =>
  `${process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233'}/namespaces/${cfg.namespace}/workflows/${encodeURIComponent(wid)}`;

async function temporal<T>(cfg: ServiceConfig, fn: (c: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ ...cfg.temporal.connection, connectTimeout: 5_000 }).catch((e: Error) => {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    throw new ConfigError(`cannot reach Temporal at ${cfg.temporal.describe}: ${e.message}${cause}`);
  });
  try {
    return await fn(new Client({ connection, namespace: cfg.namespace }));
  } finally {
    await connection.close();
  }
}

/** Accepts a stream message ID (`1712345678901-0`) or a full workflow ID (`alerts:1712345678901-0`). */
function wid(cfg: ServiceConfig, id: string | undefined): string {
  if (!id) throw new ConfigError('an alert ID is needed (stream message ID or workflow ID)');
  return id.includes(':') ? id : workflowIdFor(cfg.stream, id);
}

const commands: Record<string, Command> = {
  publish: {
    summary: 'append an alert to the stream',
    usage: `alertctl publish [--severity critical|high|medium|low|info] [--title T] [--rule-id R] [--rule-name N]
                 [--view V] [--scope S] [--label k=v ...] [--channel NAME ...] [--description D]
                 [--alert-id ID] [--file event.json]
  Appends one AlertEvent to the stream (field "event") and prints its message ID and workflow ID.
  With --file, the JSON file is the event and flags override its fields.`,
    options: {
      severity: { type: 'string' }, title: { type: 'string' }, 'rule-id': { type: 'string' }, 'rule-name': { type: 'string' },
      view: { type: 'string' }, scope: { type: 'string' }, label: { type: 'string', multiple: true }, channel: { type: 'string', multiple: true },
      description: { type: 'string' }, 'alert-id': { type: 'string' }, file: { type: 'string' },
    },
    async run(cfg, _args, o) {
      const base = o.file ? (JSON.parse(fs.readFileSync(String(o.file), 'utf8')) as Record<string, unknown>) : {};
      const labels: Record<string, string> = Object.fromEntries(((o.label as string[] | undefined) ?? []).map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
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
      if (!check.success) throw new ConfigError('not a valid AlertEvent:', check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
      const redis = connectRedis(cfg.redis, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
      try {
        const id = (await redis.xadd(cfg.stream, '*', 'event', JSON.stringify(event)))!;
        out(`published ${id} to stream ${cfg.stream}\nworkflow  ${workflowIdFor(cfg.stream, id)}\nUI        ${uiUrl(cfg, workflowIdFor(cfg.stream, id))}`);
      } finally {
        redis.disconnect();
      }
    },
  },
  status: {
    summary: "an alert's delivery state",
    usage: 'alertctl status <message ID | workflow ID>\n  Prints the delivery state: status, per-channel results, search attributes.',
    options: {},
    async run(cfg, args) {
      const id = wid(cfg, args[0]);
      await temporal(cfg, async (c) => {
        const h = c.workflow.getHandle(id);
        const desc = await h.describe();
        const state = await h.query(statusQuery).catch((e: Error) => ({ unavailable: e.message }));
        out(JSON.stringify({ workflowId: id, execution: desc.status.name, searchAttributes: desc.searchAttributes, state, ui: uiUrl(cfg, id) }, null, 2));
      });
    },
  },
  list: {
    summary: 'alerts by delivery status, severity, rule, age',
    usage: `alertctl list [--status pending|delivered|failed|abandoned|rejected] [--since 1h] [--severity S] [--rule R] [--limit 100]
  Lists alert deliveries from Temporal visibility (the same query the Web UI runs).`,
    options: { status: { type: 'string' }, since: { type: 'string' }, severity: { type: 'string' }, rule: { type: 'string' }, limit: { type: 'string' } },
    async run(cfg, _args, o) {
      const clauses = [`WorkflowType = "deliverAlert"`];
      if (o.status) clauses.push(`AlertDeliveryStatus = "${String(o.status)}"`);
      if (o.severity) clauses.push(`AlertSeverity = "${String(o.severity)}"`);
      if (o.rule) clauses.push(`AlertRuleId = "${String(o.rule)}"`);
      if (o.since) {
        const ms = parseDuration(String(o.since));
        if (ms === undefined) throw new ConfigError(`--since ${String(o.since)}: expected a duration such as 30m, 1h, 7d`);
        clauses.push(`StartTime > "${new Date(Date.now() - ms).toISOString()}"`);
      }
      const query = clauses.join(' AND ');
      const limit = Number(o.limit ?? 100);
      await temporal(cfg, async (c) => {
        let n = 0;
        out(`# ${query}`);
        for await (const wf of c.workflow.list({ query })) {
          const sa = wf.searchAttributes as Record<string, string[] | undefined>;
          out([wf.workflowId, sa.AlertDeliveryStatus?.[0] ?? '-', sa.AlertSeverity?.[0] ?? '-', sa.AlertRuleId?.[0] ?? '-',
            (sa.AlertFailedChannels ?? []).join(',') || '-', wf.startTime.toISOString()].join('\t'));
          if (++n >= limit) break;
        }
        out(`# ${n} alert(s)`);
      });
    },
  },
  retry: {
    summary: 're-run the failed channels of one parked alert, or of all',
    usage: 'alertctl retry <message ID | workflow ID> | --all-failed\n  Re-runs the failed channels now and prints the new result.',
    options: { 'all-failed': { type: 'boolean' } },
    async run(cfg, args, o) {
      await temporal(cfg, async (c) => {
        const ids: string[] = [];
        if (o['all-failed']) {
          for await (const wf of c.workflow.list({ query: 'WorkflowType = "deliverAlert" AND AlertDeliveryStatus = "failed" AND ExecutionStatus = "Running"' })) ids.push(wf.workflowId);
        } else ids.push(wid(cfg, args[0]));
        for (const id of ids) {
          try {
            const s = await c.workflow.getHandle(id).executeUpdate(retryUpdate);
            out(`${id}\t${s.status}\t${s.channels.map((ch) => `${ch.channel}=${ch.status}`).join(' ')}`);
          } catch (e) {
            out(`${id}\tnot retried: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
            process.exitCode = 1;
          }
        }
        if (o['all-failed']) out(`# ${ids.length} failed alert(s) retried`);
      });
    },
  },
  abandon: {
    summary: 'stop trying, with a reason',
    usage: 'alertctl abandon <message ID | workflow ID> --reason "why"\n  Stops trying; the alert ends as abandoned with the reason.',
    options: { reason: { type: 'string' } },
    async run(cfg, args, o) {
      if (!o.reason) throw new ConfigError('--reason is required');
      const id = wid(cfg, args[0]);
      await temporal(cfg, async (c) => {
        const s = await c.workflow.getHandle(id).executeUpdate(abandonUpdate, { args: [String(o.reason)] });
        out(`${id}\t${s.status}\t${s.abandonReason ?? ''}`);
      });
    },
  },
  history: {
    summary: 'export a workflow history as JSON (replay-test format)',
    usage: 'alertctl history <message ID | workflow ID> [--out file.json]\n  Exports the workflow history as JSON (the format of test/histories).',
    options: { out: { type: 'string' } },
    async run(cfg, args, o) {
      const id = wid(cfg, args[0]);
      await temporal(cfg, async (c) => {
        const json = historyToJSON(await c.workflow.getHandle(id).fetchHistory());
        if (o.out) {
          fs.writeFileSync(String(o.out), json);
          out(`wrote ${String(o.out)}`);
        } else out(json);
      });
    },
  },
  'index-template': {
    summary: 'print or install the OpenSearch index template (rollover mode)',
    usage: `alertctl index-template [--install] [--priority 100] [--ism]
  Prints the body of PUT /_index_template/<ALERT_INDEX>: every index "<ALERT_INDEX>-*" gets this service's
  strict mapping and OPENSEARCH_INDEX_SHARDS/_REPLICAS. --install puts it through OPENSEARCH_URL (with the
  OPENSEARCH_* credentials; needs the right to manage index templates). --ism adds the setting ISM's rollover
  action needs (plugins.index_state_management.rollover_alias; accepted only where ISM is installed).
  With OPENSEARCH_INDEX_ROLLOVER=true the service creates <ALERT_INDEX>-000001 behind the write alias
  <ALERT_INDEX> at start-up, and refuses to start while the template would make the next index differently.`,
    options: { install: { type: 'boolean' }, priority: { type: 'string' }, ism: { type: 'boolean' } },
    async run(cfg, _args, o) {
      const priority = o.priority === undefined ? 100 : Number(o.priority);
      if (!Number.isInteger(priority) || priority < 0) throw new ConfigError(`--priority ${String(o.priority)}: expected a whole number`);
      const body = indexTemplate(cfg.index, cfg.opensearch.index, { priority, ism: o.ism === true });
      if (!o.install) return out(JSON.stringify(body, null, 2));
      const client = opensearchClient(cfg.opensearch);
      try {
        await installIndexTemplate(client, cfg.index, body);
      } catch (e) {
        throw new ConfigError(`cannot install the index template "${cfg.index}" at ${cfg.opensearch.describe}: ${(e as Error).message}`);
      } finally {
        await client.close();
      }
      out(`installed index template "${cfg.index}" for indices "${cfg.index}-*" at ${cfg.opensearch.describe}`);
    },
  },
};

/** Every command reaches Temporal like the `temporal` CLI (temporal.toml profiles, TEMPORAL_* variables); these flags win. */
const CONNECTION_OPTIONS = { address: { type: 'string' }, namespace: { type: 'string' }, profile: { type: 'string' } } as const;
const CONNECTION_HELP = `connection (every command): [--address host:port] [--namespace NS] [--profile NAME]
  otherwise as the temporal CLI: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY[_FILE], TEMPORAL_TLS_*,
  TEMPORAL_PROFILE and the profiles in temporal.toml (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml)`;

const HELP = `alertctl <command> [options]   (each command has --help)

commands:
${Object.entries(commands).map(([n, c]) => `  ${n.padEnd(14)} ${c.summary}`).join('\n')}

${CONNECTION_HELP}
environment: REDIS_URL, ALERT_STREAM, TEMPORAL_UI_URL; index-template: OPENSEARCH_*, ALERT_INDEX
severities: ${SEVERITIES.join(', ')}`;

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return out(HELP);
  const cmd = commands[name];
  if (!cmd) throw new ConfigError(`unknown command "${name}"\n\n${HELP}`);
  const { values, positionals } = parseArgs({ args: rest, options: { ...cmd.options, ...CONNECTION_OPTIONS, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (values.help) return out(`${cmd.usage}\n\n${CONNECTION_HELP}`);
  const overrides = { address: values.address, namespace: values.namespace, profile: values.profile };
  await cmd.run(loadConfig('tool', process.env, overrides), positionals, values);
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0); // e.g. `alertctl list | head`
});

main(process.argv.slice(2)).catch((e: Error) => {
  const plain = e instanceof ConfigError || e.name === 'WorkflowNotFoundError' || e.name === 'WorkflowUpdateFailedError';
  const detail = e.cause instanceof Error ? ` (${e.cause.message})` : '';
  process.stderr.write(`alertctl: ${plain ? `${e.message}${detail}` : (e.stack ?? e.message)}\n`);
  process.exit(2);
});
