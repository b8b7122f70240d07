// Alertmanager matchers (src/storm/matchers.ts), unit: parsing every operator, quoted and unquoted values,
// anchored regexes, a missing label as "", the subject an alert gives, and the errors of bad input.
import { MatcherSyntaxError } from '../src/errors';
import { alertSubject, formatMatcher, matcherMatches, matchesAll, parseMatcher } from '../src/storm/matchers';
import type { AlertEvent } from '../src/contracts/alert';

const reason = (text: string): string => {
  try {
    parseMatcher(text);
  } catch (e) {
    expect(e).toBeInstanceOf(MatcherSyntaxError);
    return (e as MatcherSyntaxError).reason;
  }
  throw new Error(`${text} was accepted`);
};
const matches = (text: string, subject: Record<string, string>) => matcherMatches(parseMatcher(text), subject);

describe('parseMatcher', () => {
  it.each([
    ['team="db"', { name: 'team', op: '=', value: 'db' }],
    ['team!="db"', { name: 'team', op: '!=', value: 'db' }],
    ['team=~"db.*"', { name: 'team', op: '=~', value: 'db.*' }],
    ['team!~"db.*"', { name: 'team', op: '!~', value: 'db.*' }],
    // unquoted, as amtool allows; spaces around the operator
    ['team=db', { name: 'team', op: '=', value: 'db' }],
    ['  severity =~ high|critical  ', { name: 'severity', op: '=~', value: 'high|critical' }],
    ['team=', { name: 'team', op: '=', value: '' }],
    // quoted: spaces, escapes, an operator inside the value
    ['title="disk full on /var"', { name: 'title', op: '=', value: 'disk full on /var' }],
    ['msg="say \\"hi\\""', { name: 'msg', op: '=', value: 'say "hi"' }],
    ['expr="a!=b"', { name: 'expr', op: '=', value: 'a!=b' }],
    ['k8s.namespace_name-x="a"', { name: 'k8s.namespace_name-x', op: '=', value: 'a' }],
  ])('%s', (text, expected) => {
    expect(parseMatcher(text)).toEqual(expected);
  });

  it('formatMatcher writes what parseMatcher reads back', () => {
    for (const text of ['team="db"', 'a!="x y"', 'r=~"db\\\\d+"', 'q!~"say \\"hi\\""']) {
      const m = parseMatcher(text);
      expect(formatMatcher(m)).toBe(text);
      expect(parseMatcher(formatMatcher(m))).toEqual(m);
    }
  });

  it.each([
    ['team', /expected name="value"/],
    ['="db"', /expected name="value"/],
    ['1team="db"', /not a label name/],
    ['te/am="db"', /not a label name/],
    ['team="db', /unterminated quoted value/],
    ['team="', /unterminated quoted value/],
    ['team="a\\qb"', /bad escape/],
    ['team=a b', /must be quoted/],
    ['team=a"b', /must be quoted/],
    ['team=~"db("', /bad regex/],
    ['team!~"[a-"', /bad regex/],
  ])('refuses %s', (text, why) => {
    expect(reason(text)).toMatch(why);
  });

  it('an unbalanced regex that would become valid once wrapped is refused (it would escape the anchors)', () => {
    // ^(?:x)|(.*)$ is a valid regex matching anything; x)|(.* alone is not a regex.
    expect(reason('team=~"x)|(.*"')).toMatch(/bad regex/);
  });

  it('the error names the matcher text', () => {
    expect(() => parseMatcher('team=~"("')).toThrow('matcher "team=~\\"(\\"": bad regex');
  });
});

describe('matcherMatches', () => {
  it('= and != compare the whole value', () => {
    expect(matches('team="db"', { team: 'db' })).toBe(true);
    expect(matches('team="db"', { team: 'db2' })).toBe(false);
    expect(matches('team!="db"', { team: 'db2' })).toBe(true);
    expect(matches('team!="db"', { team: 'db' })).toBe(false);
  });

  it('a regex is anchored at both ends', () => {
    expect(matches('team=~"db.*"', { team: 'db-primary' })).toBe(true);
    expect(matches('team=~"db.*"', { team: 'mydb' })).toBe(false);
    expect(matches('team=~"db"', { team: 'db-primary' })).toBe(false);
    expect(matches('sev=~"high|critical"', { sev: 'critical' })).toBe(true);
    // the alternation is inside the anchors: not "^high" or "critical$"
    expect(matches('sev=~"high|critical"', { sev: 'highest' })).toBe(false);
    expect(matches('sev=~"high|critical"', { sev: 'not-critical' })).toBe(false);
    expect(matches('team!~"db.*"', { team: 'mydb' })).toBe(true);
    expect(matches('team!~"db.*"', { team: 'db-1' })).toBe(false);
  });

  it('. matches a new line too (dotAll), as in Alertmanager', () => {
    expect(matches('title=~"disk.*full"', { title: 'disk\nfull' })).toBe(true);
  });

  it('Go-style escapes of punctuation are accepted', () => {
    expect(matches('host=~"db\\\\-[0-9]+"', { host: 'db-12' })).toBe(true);
    expect(matches('host=~"db\\\\-[0-9]+"', { host: 'db-x' })).toBe(false);
  });

  it('a missing label is the empty string', () => {
    expect(matches('team=""', {})).toBe(true);
    expect(matches('team!=""', {})).toBe(false);
    expect(matches('team!=""', { team: 'x' })).toBe(true);
    expect(matches('team=~".*"', {})).toBe(true);
    expect(matches('team=~".+"', {})).toBe(false);
    expect(matches('team!="db"', {})).toBe(true);
  });

  it('a label named like an Object property is missing unless the alert has it', () => {
    expect(matches('constructor=""', {})).toBe(true);
    expect(matches('toString!=""', {})).toBe(false);
    expect(matches('constructor=~".*Function.*"', {})).toBe(false);
    expect(matches('constructor="x"', { constructor: 'x' })).toBe(true);
  });
});

describe('matchesAll', () => {
  const ms = ['team="db"', 'severity=~"high|critical"'].map(parseMatcher);
  it('every matcher must match', () => {
    expect(matchesAll(ms, { team: 'db', severity: 'high' })).toBe(true);
    expect(matchesAll(ms, { team: 'db', severity: 'low' })).toBe(false);
    expect(matchesAll(ms, { team: 'web', severity: 'high' })).toBe(false);
  });
  it('no matchers match nothing', () => {
    expect(matchesAll([], { team: 'db' })).toBe(false);
  });
});

describe('alertSubject', () => {
  const event: AlertEvent = {
    alertId: 'a-1', ruleId: 'r-1', ruleName: 'DiskFull', severity: 'high', title: 'Disk full', view: 'v', scope: 's',
    firedAt: '2030-01-01T00:00:00Z', labels: { team: 'db', severity: 'label-loses', alertname: 'FromLabel' },
  };
  it('labels, then the fields (a field wins over a label of the same name); alertname from a label is kept', () => {
    expect(alertSubject(event)).toEqual({
      team: 'db', alertname: 'FromLabel', alertId: 'a-1', ruleId: 'r-1', ruleName: 'DiskFull', severity: 'high', title: 'Disk full', view: 'v', scope: 's', status: 'firing',
    });
  });
  it('alertname is the rule name when no label gives it; status defaults to firing', () => {
    const s = alertSubject({ ...event, labels: undefined, status: 'resolved' });
    expect(s.alertname).toBe('DiskFull');
    expect(s.status).toBe('resolved');
  });
});
