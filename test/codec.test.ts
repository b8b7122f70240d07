// The AES-256-GCM payload codec (src/codec/aes-gcm-codec.ts): the layout, several keys, rotation, and that
// nothing undecryptable is ever passed through.
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmCodec, CIPHER_NAME, ENCRYPTED_ENCODING, METADATA_CIPHER, METADATA_KEY_ID, PayloadDecryptionError, type PayloadKeys } from '../src/codec';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const keys = (current: string, entries: Record<string, Buffer>): PayloadKeys => ({ currentKeyId: current, keys: new Map(Object.entries(entries)) });
const text = (b?: Uint8Array | null) => Buffer.from(b ?? []).toString('utf8');
const alert = { title: 'CPU at 99% on db-7.customer-acme.internal', labels: { customer: 'acme' } };
const plain = (): Payload => defaultPayloadConverter.toPayload(alert);

describe('AesGcmCodec', () => {
  it('round trip: the whole payload (metadata and data) comes back, encrypted in between', async () => {
    const codec = new AesGcmCodec(keys('k1', { k1 }));
    const original = plain();
    const [enc] = await codec.encode([original]);
    expect(text(enc.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(enc.metadata![METADATA_KEY_ID])).toBe('k1');
    expect(text(enc.metadata![METADATA_CIPHER])).toBe(CIPHER_NAME);
    expect(Object.keys(enc.metadata!).sort()).toEqual([METADATA_CIPHER, METADATA_KEY_ID, METADATA_ENCODING_KEY].sort());
    expect(Buffer.from(enc.data!).includes('acme')).toBe(false);
    expect(Buffer.from(enc.data!).includes('json/plain')).toBe(false); // the original metadata is inside
    // IV (12) ‖ ciphertext of the serialized Payload ‖ tag (16)
    expect(enc.data!.length).toBe(12 + temporal.api.common.v1.Payload.encode(original).finish().length + 16);
    const [dec] = await codec.decode([enc]);
    expect(defaultPayloadConverter.fromPayload(dec)).toEqual(alert);
    expect(text(dec.metadata![METADATA_ENCODING_KEY])).toBe('json/plain');
  });

  it('a random IV per payload: the same value encrypts differently every time', async () => {
    const codec = new AesGcmCodec(keys('k1', { k1 }));
    const encs = await codec.encode([plain(), plain(), plain()]);
    const ivs = new Set(encs.map((p) => Buffer.from(p.data!.subarray(0, 12)).toString('hex')));
    expect(ivs.size).toBe(3);
    expect(new Set(encs.map((p) => Buffer.from(p.data!).toString('hex'))).size).toBe(3);
  });

  it('an altered ciphertext, IV or tag fails authentication, naming the key', async () => {
    const codec = new AesGcmCodec(keys('k1', { k1 }));
    const [enc] = await codec.encode([plain()]);
    for (const at of [0, 20, enc.data!.length - 1]) {
      const data = Buffer.from(enc.data!);
      data[at] ^= 0x01;
      await expect(codec.decode([{ ...enc, data }])).rejects.toThrow(/key k1: authentication failed/);
    }
    await expect(codec.decode([{ ...enc, data: enc.data!.subarray(0, 20) }])).rejects.toThrow(PayloadDecryptionError);
  });

  it('a payload under a key this process lacks fails with the key ID (never passed through)', async () => {
    const [enc] = await new AesGcmCodec(keys('k-2026-11', { 'k-2026-11': k2 })).encode([plain()]);
    const other = new AesGcmCodec(keys('k1', { k1 }));
    const err = await other.decode([enc]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadDecryptionError);
    expect((err as PayloadDecryptionError).keyId).toBe('k-2026-11');
    expect((err as Error).message).toMatch(/encryption key k-2026-11 is not configured \(this process has keys k1; add k-2026-11 to PAYLOAD_ENCRYPTION_KEYS\)/);
    // the same ID with a different key: authentication fails, also naming it
    await expect(new AesGcmCodec(keys('k-2026-11', { 'k-2026-11': k1 })).decode([enc])).rejects.toThrow(/with key k-2026-11: authentication failed/);
    // encrypted but no key ID at all
    const { [METADATA_KEY_ID]: _dropped, ...withoutId } = enc.metadata!;
    await expect(other.decode([{ ...enc, metadata: withoutId }])).rejects.toThrow(/names no encryption-key-id/);
  });

  it('rotation: encrypts with the current key, decrypts with whichever key the payload names', async () => {
    const before = new AesGcmCodec(keys('k1', { k1 }));
    const [old] = await before.encode([plain()]);
    const after = new AesGcmCodec(keys('k2', { k1, k2 })); // k2 added and made current, k1 kept
    const [fresh] = await after.encode([plain()]);
    expect(text(fresh.metadata![METADATA_KEY_ID])).toBe('k2');
    const [a, b] = await after.decode([old, fresh]);
    expect(defaultPayloadConverter.fromPayload(a)).toEqual(alert);
    expect(defaultPayloadConverter.fromPayload(b)).toEqual(alert);
    // a process still on k1 only cannot read k2's payloads, and says so
    await expect(before.decode([fresh])).rejects.toThrow(/key k2 is not configured/);
  });

  it('plain payloads pass decode untouched (histories from before encryption, a mixed fleet)', async () => {
    const codec = new AesGcmCodec(keys('k1', { k1 }));
    const payloads = [plain(), defaultPayloadConverter.toPayload(undefined), defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3])), {}];
    const out = await codec.decode(payloads);
    out.forEach((p, i) => expect(p).toBe(payloads[i]));
  });

  it('never shows a key: not in JSON, not in util.inspect', () => {
    const codec = new AesGcmCodec(keys('k1', { k1 }));
    const shown = JSON.stringify(codec) + inspect(codec, { depth: 5, showHidden: true });
    expect(shown).not.toContain(k1.toString('base64'));
    expect(shown).not.toContain(k1.toString('hex').slice(0, 16));
    expect(codec.keyIds).toEqual(['k1']);
  });
});
