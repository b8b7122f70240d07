// A person reached through a channel (on call, issue 22): `OutgoingAlert.recipient` replaces the channel's own
// recipient with the person's address: email sends to it instead of `to`, Slack mentions the member ID in the
// message, a webhook posts to the person's URL (signed and with headers as the channel's). Other channel types
// (PagerDuty: its routing key is a service, not a person) refuse a recipient permanently.
//
// The address is data about a person: it never goes into an error message, a log line or a trace. Every refusal
// here names the person (their ID in the people file) and the channel, never the address.
import { z } from 'zod';
import { PermanentDeliveryError } from '../errors';
import type { OutgoingAlert } from './types';

/** The channel types that can reach a person (an address of theirs replaces the channel's recipient). */
export const PERSON_CHANNEL_TYPES = ['email', 'slack', 'webhook', 'ntfy', 'sms', 'voice'] as const;
export type PersonChannelType = (typeof PERSON_CHANNEL_TYPES)[number];

/** Whether a channel of this type can reach a person at an address of theirs: email, slack, webhook, ntfy (their topic), sms and voice (their number). */
export function canReachPerson(type: string): type is PersonChannelType {
  return (PERSON_CHANNEL_TYPES as readonly string[]).includes(type);
}

/** `<type> "<name>"`, the way channel errors start. */
const label = (channel: { name: string; type: string }) => `${channel.type} "${channel.name}"`;

/** The channel's label for errors of a personal notification: `email "oncall" (person "alice")`. */
export function personLabel(channel: { name: string; type: string }, person: string): string {
  return `${label(channel)} (person ${JSON.stringify(person)})`;
}

/**
 * For a channel type that cannot reach a person: throws PermanentDeliveryError when the alert has a recipient
 * ("channel type pagerduty cannot reach a person"), never retried; without one, does nothing.
 */
export function refuseRecipient(channel: { name: string; type: string }, alert: Pick<OutgoingAlert, 'recipient'>): void {
  if (!alert.recipient) return;
  throw new PermanentDeliveryError(`${personLabel(channel, alert.recipient.person)}: channel type ${channel.type} cannot reach a person`);
}

/** A refused address: the error names the person and what is wrong, never the address. */
function refused(channel: { name: string; type: string }, person: string, what: string): PermanentDeliveryError {
  return new PermanentDeliveryError(`${personLabel(channel, person)}: the person's address is not ${what}`);
}

const EMAIL = z.email();
/** RFC 5321's limit on a forward path. */
const MAX_EMAIL_CHARS = 254;

/** The person's email address, if it is exactly one plain address (`name@example.com`: no display name, no list). */
export function emailAddress(channel: { name: string; type: string }, recipient: { person: string; address: string }): string {
  const a = recipient.address;
  if (a.length > MAX_EMAIL_CHARS || !EMAIL.safeParse(a).success) throw refused(channel, recipient.person, 'one email address');
  return a;
}

/** A Slack member ID: a user (`U…`) or an Enterprise Grid user (`W…`). */
const SLACK_MEMBER = /^[UW][A-Z0-9]{2,}$/;

/** The person's Slack member ID, as `<@U123ABC>` mentions it. */
export function slackMemberId(channel: { name: string; type: string }, recipient: { person: string; address: string }): string {
  if (!SLACK_MEMBER.test(recipient.address)) throw refused(channel, recipient.person, 'a Slack member ID (U… or W…)');
  return recipient.address;
}

/** The person's webhook URL, if it is an http: or https: URL (the rule of a channel's configured `url`). */
export function webhookUrl(channel: { name: string; type: string }, recipient: { person: string; address: string }): string {
  let u: URL;
  try {
    u = new URL(recipient.address);
  } catch {
    throw refused(channel, recipient.person, 'a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw refused(channel, recipient.person, 'an http: or https: URL');
  return recipient.address;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` without the address (any case: servers echo addresses lower-cased), each occurrence `[address]`. */
export function withoutAddress(text: string, address: string | undefined): string {
  if (!address) return text;
  return text.replace(new RegExp(escapeRegExp(address), 'gi'), '[address]');
}
