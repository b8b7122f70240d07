// Message templates: `{{field}}` placeholders over the alert's fields, e.g.
//   "[{{severity}}] {{title}} on {{view}}/{{scope}} (team {{labels.team}})"
// Fields: alertId ruleId ruleName severity title description view scope firedAt deliveryId messageId workflowId link,
// ackUrl (the ack link of a page's firing notification; empty otherwise), labels.<name>, and {{labels}} (all
// labels as k=v). Values are inserted as text, never evaluated, so alert content cannot inject template syntax.
// A template with an unknown field or unbalanced braces is rejected when the channels file is loaded (a start-up
// error), not when an alert arrives.
//
// A group notification (`alert.group`, storm control) renders the same templates with the group's values:
// {{title}} = the summary line (`[FIRING:12] databases cluster=eu-1`), {{severity}} = the group's highest
// severity, {{alertId}} = the group ID, {{labels}} / {{labels.<name>}} = the group's `group_by` labels,
// {{description}} = the counts (`12 firing (3 new), 2 resolved`), {{link}} = the list of the group's alerts
// (its listUrl; else the group workflow), {{deliveryId}} = the notification key `<group ID>:<sequence>`;
// the other fields are the group workflow's (`alert.event`). Channels always add the listed alerts themselves.
import { defaultOf } from '../config/read';
import { groupCounts, groupSummary } from './group-text';
import type { OutgoingAlert } from './types';

const FIELDS = new Set(['alertId', 'ruleId', 'ruleName', 'severity', 'title', 'description', 'view', 'scope', 'firedAt', 'deliveryId', 'messageId', 'workflowId', 'link', 'ackUrl', 'labels']);
const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_.-]*)\s*\}\}/g;

/** Returns the problems of a template (empty when it is valid). */
export function checkTemplate(template: string): string[] {
  const problems: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (!(FIELDS.has(name) || (name.startsWith('labels.') && name.length > 'labels.'.length))) {
      problems.push(`unknown field {{${name}}} (known: ${[...FIELDS].join(', ')}, labels.<name>)`);
    }
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) problems.push('unbalanced or malformed {{ }} placeholder');
  return problems;
}

/**
 * Fills the placeholders. `escape`, when given, is applied to every inserted value (not to the template's
 * own text): a channel with a markup (Slack mrkdwn) passes its escaper so alert content stays text.
 */
export function render(template: string, alert: OutgoingAlert, link = '', escape: (s: string) => string = (s) => s): string {
  const e = alert.event;
  return template.replace(PLACEHOLDER, (_m, name: string) => escape(fieldValue(name, alert, e, link)));
}

function fieldValue(name: string, alert: OutgoingAlert, e: OutgoingAlert['event'], link: string): string {
  if (alert.group) {
    const g = alert.group;
    if (name === 'title') return groupSummary(g);
    if (name === 'severity') return g.severity;
    if (name === 'alertId') return g.id;
    if (name === 'description') return groupCounts(g);
    if (name === 'link') return g.listUrl ?? link;
    if (name === 'labels' || name.startsWith('labels.')) return fieldValue(name, { ...alert, group: undefined }, { ...e, labels: g.labels }, link);
  }
  if (name === 'labels') return Object.entries(e.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
  if (name.startsWith('labels.')) {
    const labels = e.labels ?? {};
    const key = name.slice('labels.'.length);
    return Object.hasOwn(labels, key) ? String(labels[key]) : ''; // not Object.prototype's "constructor"
  }
  if (name === 'deliveryId') return alert.deliveryId ?? '';
  if (name === 'messageId') return alert.messageId;
  if (name === 'workflowId') return alert.workflowId;
  if (name === 'link') return link;
  if (name === 'ackUrl') return alert.ackUrl ?? '';
  const v = (e as unknown as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
}

/** ALERT_LINK_BASE's default: the local Web UI's workflows of the default namespace. */
export const DEFAULT_ALERT_LINK_BASE = defaultOf('ALERT_LINK_BASE');

/** Link to the alert's workflow in the Temporal Web UI (`base`: the worker's ALERT_LINK_BASE). */
export function alertLink(alert: OutgoingAlert, base = DEFAULT_ALERT_LINK_BASE): string {
  return `${base.replace(/\/$/, '')}/${encodeURIComponent(alert.workflowId)}`;
}

export const DEFAULT_TITLE = '[{{severity}}] {{title}}';
/** Whether a template shows the ack link itself (else a channel adds it after the text). */
export function mentionsAckUrl(template: string | undefined): boolean {
  return template !== undefined && [...template.matchAll(PLACEHOLDER)].some((m) => m[1] === 'ackUrl');
}

export const DEFAULT_TEXT = '{{title}}\nRule: {{ruleName}} ({{ruleId}})\nWhere: {{view}} / {{scope}}\nLabels: {{labels}}\nFired at: {{firedAt}}\n{{description}}\n{{link}}';
