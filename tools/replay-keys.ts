// The fixed key of the encrypted recorded histories (test/histories/encrypted/, recorded by
// `node dist/scripts/record-histories.js --encrypt …`). A test key, public on purpose: it lives in test code
// only and encrypts nothing but those recordings. Never configure it anywhere.
import type { PayloadKeys } from '../src/codec';

export const REPLAY_TEST_KEY_ID = 'replay-test-2026-11';

export const REPLAY_TEST_KEYS: PayloadKeys = {
  currentKeyId: REPLAY_TEST_KEY_ID,
  keys: new Map([[REPLAY_TEST_KEY_ID, Buffer.from('NB7IM03FE7KrtZCRcsDOnhQ5P/Uyb1gEU5X+2UAvD5Y=', 'base64')]]),
};
