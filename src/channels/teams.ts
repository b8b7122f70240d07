// Microsoft Teams through a Workflows webhook (Teams' Office 365 connectors are retired; a Workflows "post to a
// channel when a webhook request is received" flow takes this): a message with one Adaptive Card attachment, the
// shape of Alertmanager's `msteamsv2` receiver. The card (version 1.2, only elements Adaptive Cards 1.0 has:
// TextBlock, FactSet, Action.OpenUrl) shows the severity as the title's colour, the title, the description, the
// facts (severity, rule, where, fired, labels) and the links: the alert, and a page's ack link. A resolved
// notification is the same card, titled `RESOLVED:` in green; a group notification its summary, counts and list.
//
// TextBlock and FactSet texts take a Markdown subset: alert content is escaped (a backslash before each Markdown
// character), so it cannot make a link, an emphasis or a list; the only links are the card's actions. The webhook URL
// is the secret (it carries the flow's signature): never in errors, logs or history. A workflow webhook takes no
// idempotency key: a post whose answer was lost and that is retried can show twice.
import type { GroupNotice } from '../contracts/group';
import { tracedRequest } from '../tracing/outgoing';
import { cutPlain, groupCounts, groupSummary, listLines, resolvedNote, type LineStyle } from './group-text';
import { postJson } from './http';
import { refuseRecipient } from './recipients';
import { DEFAULT_TITLE, alertLink, render } from './template';
import type { Channel, OutgoingAlert } from './types';

export interface TeamsConfig {
  name: string;
  /** The Workflows webhook URL (a secret). */
  url: string;
  timeoutMs: number;
  title?: string;
  linkBase?: string;
}

/** Longest texts the card keeps (Teams refuses a message over about 28 KB). */
export const TEAMS_LIMITS = { title: 300, text: 3000, fact: 500 } as const;

/** Escapes the Markdown subset of TextBlock and FactSet (and HTML's `<`): a backslash before each special character. */
export function escapeTeamsMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|~>]/g, '\\$&').replace(/</g, '&lt;');
}
const text = (s: string, max: number): string => escapeTeamsMarkdown(cutPlain(s, max));

// Enum values as the schema spells them (renderers take any case).
const COLOR: Record<string, string> = { critical: 'attention', high: 'attention', medium: 'warning', low: 'accent', info: 'default' };

const TEAMS_LINE: LineStyle = { value: (s, max) => text(s, max) };

interface Card {
  body: object[];
  actions: object[];
}

function alertCard(alert: OutgoingAlert, cfg: Pick<TeamsConfig, 'title' | 'linkBase'>, link: string): Card {
  const e = alert.event;
  const resolved = alert.resolves !== undefined;
  const title = `${resolved ? 'RESOLVED: ' : ''}${render(cfg.title ?? DEFAULT_TITLE, alert, link)}`;
  const labels = Object.entries(e.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
  const facts: [string, string][] = [['Severity', e.severity], ['Rule', `${e.ruleName} (${e.ruleId})`], ['Where', `${e.view} / ${e.scope}`], ['Fired', e.firedAt], ...(labels ? [['Labels', labels] as [string, string]] : [])];
  return {
    body: [
      { type: 'TextBlock', text: text(title, TEAMS_LIMITS.title), weight: 'bolder', size: 'large', wrap: true, color: resolved ? 'good' : COLOR[e.severity] ?? 'default' },
      ...(e.description ? [{ type: 'TextBlock', text: text(e.description, TEAMS_LIMITS.text), wrap: true }] : []),
      { type: 'FactSet', facts: facts.map(([t, v]) => ({ title: t, value: text(v, TEAMS_LIMITS.fact) })) },
    ],
    actions: [
      ...(alert.ackUrl && !resolved ? [{ type: 'Action.OpenUrl', title: 'Acknowledge', url: alert.ackUrl }] : []),
      { type: 'Action.OpenUrl', title: 'Open the alert', url: link },
    ],
  };
}

function groupCard(g: GroupNotice, cfg: Pick<TeamsConfig, 'title'>, alert: OutgoingAlert, link: string): Card {
  const title = cfg.title ? render(cfg.title, alert, link) : groupSummary(g);
  const note = resolvedNote(g);
  return {
    body: [
      { type: 'TextBlock', text: text(title, TEAMS_LIMITS.title), weight: 'bolder', size: 'large', wrap: true, color: g.status === 'resolved' ? 'good' : COLOR[g.severity] ?? 'default' },
      { type: 'TextBlock', text: `${note ? `${escapeTeamsMarkdown(note)} ` : ''}${escapeTeamsMarkdown(groupCounts(g))}`, wrap: true },
      ...listLines(g, TEAMS_LINE).map((line) => ({ type: 'TextBlock', text: line, wrap: true, spacing: 'none' })),
    ],
    actions: [
      ...(g.listUrl ? [{ type: 'Action.OpenUrl', title: 'All alerts of the group', url: g.listUrl }] : []),
      { type: 'Action.OpenUrl', title: 'Open the group', url: link },
    ],
  };
}

/** The message a Workflows webhook takes: one Adaptive Card attachment. */
export function teamsMessage(alert: OutgoingAlert, cfg: Pick<TeamsConfig, 'title' | 'linkBase'>) {
  const link = alertLink(alert, cfg.linkBase);
  const card = alert.group ? groupCard(alert.group, cfg, alert, link) : alertCard(alert, cfg, link);
  return {
    type: 'message',
    attachments: [{
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.2', msteams: { width: 'Full' }, ...card },
    }],
  };
}

export class TeamsChannel implements Channel {
  readonly type = 'teams';
  readonly name: string;
  constructor(private readonly cfg: TeamsConfig) {
    this.name = cfg.name;
  }

  async send(alert: OutgoingAlert, signal: AbortSignal): Promise<string> {
    refuseRecipient(this, alert); // a workflow posts to its channel or chat, not to a person
    return tracedRequest(this, (trace) => postJson({
      channel: `teams "${this.name}"`,
      url: this.cfg.url,
      body: JSON.stringify(teamsMessage(alert, this.cfg)),
      headers: { 'idempotency-key': alert.deliveryId, ...trace },
      timeoutMs: this.cfg.timeoutMs,
      signal,
    }));
  }
}
