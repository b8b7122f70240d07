// The search attributes an operator filters on (registered by scripts/stack and docker-compose; checked at start-up).
import { defineSearchAttributeKey } from '@temporalio/common';
import type { Suppression } from './delivery';

/** pending | delivered | failed | abandoned | rejected */
export const SA_STATUS = defineSearchAttributeKey('AlertDeliveryStatus', 'KEYWORD');
export const SA_SEVERITY = defineSearchAttributeKey('AlertSeverity', 'KEYWORD');
export const SA_RULE_ID = defineSearchAttributeKey('AlertRuleId', 'KEYWORD');
export const SA_FAILED_CHANNELS = defineSearchAttributeKey('AlertFailedChannels', 'KEYWORD_LIST');
/** The incident a paging delivery carries: firing | acknowledged | resolved. */
export const SA_STATE = defineSearchAttributeKey('AlertState', 'KEYWORD');
export const SA_ACKED_BY = defineSearchAttributeKey('AlertAckedBy', 'KEYWORD');
/** 0 = the first notification; n = the n-th escalation level notified. */
export const SA_ESCALATION_LEVEL = defineSearchAttributeKey('AlertEscalationLevel', 'INT');
/** The group workflow an alert went to (also set on the group's own workflow): `AlertGroup="<id>"` lists a group. */
export const SA_GROUP = defineSearchAttributeKey('AlertGroup', 'KEYWORD');
/** What holds an alert back: `silence:<silence ID>` or `inhibit:<alertId of the source>`. */
export const SA_SUPPRESSED_BY = defineSearchAttributeKey('AlertSuppressedBy', 'KEYWORD');
/** The people an escalation paged (docs/oncall.md): `AlertPagedPeople="alice"` lists the alerts that paged Alice. */
export const SA_PAGED_PEOPLE = defineSearchAttributeKey('AlertPagedPeople', 'KEYWORD_LIST');
export const SEARCH_ATTRIBUTES = [SA_STATUS, SA_SEVERITY, SA_RULE_ID, SA_FAILED_CHANNELS, SA_STATE, SA_ACKED_BY, SA_ESCALATION_LEVEL, SA_GROUP, SA_SUPPRESSED_BY, SA_PAGED_PEOPLE];

/** The value of AlertSuppressedBy for a suppression. */
export function suppressedByValue(s: Suppression): string {
  return s.kind === 'silence' ? `silence:${s.silenceId}` : `inhibit:${s.by.alertId}`;
}
