// The calendar feeds' tokens: an HMAC-SHA256 of the feed's path with the secret, base64url; one token opens one feed.
import { createHmac } from 'node:crypto';
import { feedPath, feedToken, feedUrl, verifyFeedToken } from '../../src/oncall/ical-tokens';

const SECRET = Buffer.from('ical-secret-0123456789abcdef0123456789abcdef');

describe('feed tokens', () => {
  it('are base64url(HMAC-SHA256(secret, feed path)), computed independently here', () => {
    expect(feedPath({ schedule: 'primary' })).toBe('/oncall/ical/schedules/primary.ics');
    expect(feedPath({ person: 'alice.b' })).toBe('/oncall/ical/people/alice.b.ics');
    const expected = createHmac('sha256', SECRET).update('/oncall/ical/schedules/primary.ics').digest('base64url');
    expect(feedToken(SECRET, '/oncall/ical/schedules/primary.ics')).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('verify the token of their feed only: not a wrong one, not another feed\'s, not another secret\'s, not a non-string', () => {
    const path = feedPath({ schedule: 'primary' });
    const token = feedToken(SECRET, path);
    expect(verifyFeedToken(SECRET, path, token)).toBe(true);
    expect(verifyFeedToken(SECRET, path, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(verifyFeedToken(SECRET, path, feedToken(SECRET, feedPath({ schedule: 'secondary' })))).toBe(false);
    expect(verifyFeedToken(SECRET, path, feedToken(SECRET, feedPath({ person: 'primary' })))).toBe(false); // same ID, a person's feed
    expect(verifyFeedToken(SECRET, path, feedToken(Buffer.from('another-secret-0123456789abcdef0123456789'), path))).toBe(false);
    for (const bad of [undefined, '', ['x'], 42, `${token}=`]) expect(verifyFeedToken(SECRET, path, bad)).toBe(false);
  });

  it('feedUrl joins the base (a trailing slash or not) and the signed path', () => {
    const token = feedToken(SECRET, '/oncall/ical/people/bob.ics');
    expect(feedUrl('https://oncall.example.com/', SECRET, { person: 'bob' })).toBe(`https://oncall.example.com/oncall/ical/people/bob.ics?token=${token}`);
    expect(feedUrl('https://oncall.example.com', SECRET, { person: 'bob' })).toBe(`https://oncall.example.com/oncall/ical/people/bob.ics?token=${token}`);
  });
});
