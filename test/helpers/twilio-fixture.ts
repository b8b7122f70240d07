// What the sms and voice channel tests share: an account, numbers, an ack secret, a page's short ack token, and the
// provider stand-in started for the file and emptied before each test.
import { signShortAckToken } from '../../src/ack-links';
import { TwilioStandIn } from './twilio-standin';

export const SID = 'AC0123456789abcdef0123456789abcdef';
export const TOKEN = '8f14e45fceea167a5a36dedd4bea2543';
export const FROM = '+15005550006';
export const TEAM = '+14155550123';
export const ALICE = '+447700900123';
export const SECRET = Buffer.from('an ack secret of at least thirty-two bytes!!');
export const BASE = 'https://intake.example.test';
export const WORKFLOW = 'alerts:1768472430000-0';
export const token = signShortAckToken({ workflowId: WORKFLOW, expiresAt: Date.parse('2026-01-22T10:20:31Z') }, SECRET);
export const signal = new AbortController().signal;

/** The provider stand-in for a test file: started before its tests, stopped after them, emptied before each. */
export function useTwilioStandIn(): TwilioStandIn {
  const provider = new TwilioStandIn({ accountSid: SID, authToken: TOKEN });
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  beforeEach(() => {
    provider.created.length = 0;
    provider.forced.length = 0;
  });
  return provider;
}
