// AES-256-GCM payload codec: every payload a client or worker sends to Temporal (workflow input and result,
// activity arguments and results, signal/update/query arguments, local-activity markers) is stored encrypted.
// The layout follows Temporal's encryption samples, so other SDKs' codecs and codec servers can read it:
//   metadata  encoding: binary/encrypted, encryption-key-id: <key ID>, encryption-cipher: AES256GCM
//   data      IV (12 random bytes) ‖ ciphertext ‖ GCM tag (16 bytes), of the whole original Payload
//             (metadata and data) serialized with temporal.api.common.v1.Payload.encode
// Several keys at once: encode uses the current key, decode the key the payload names (rotation without
// downtime). A payload without the encrypted encoding passes decode untouched (histories from before
// encryption, a fleet half upgraded). Search attributes never reach a codec: they stay plain and queryable.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { PayloadDecryptionError } from '../errors/payload-decryption-error';
import type { PayloadKeys } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
export const METADATA_CIPHER = 'encryption-cipher';
export const CIPHER_NAME = 'AES256GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (b: Uint8Array | null | undefined): string => (b ? Buffer.from(b).toString('utf8') : '');

export class AesGcmCodec implements PayloadCodec {
  // Private fields: a logged, inspected or serialised codec (or config holding it) never shows a key.
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #currentKey: Buffer;
  readonly currentKeyId: string;

  constructor(keys: PayloadKeys) {
    const key = keys.keys.get(keys.currentKeyId);
    if (!key) throw new Error(`payload encryption: the current key ${keys.currentKeyId} is not among the keys`);
    this.#keys = new Map(keys.keys);
    this.#currentKey = key;
    this.currentKeyId = keys.currentKeyId;
  }

  /** The IDs of the keys this codec decrypts with (the current one included). */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  // Synchronous node:crypto inside: a rejected promise (not a throw) reports a failure, as the interface expects.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => this.encrypt(payload)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => (AesGcmCodec.isEncrypted(payload) ? this.decrypt(payload) : payload)));
  }

  /** The payload carries the encrypted encoding (whatever its key). */
  static isEncrypted(payload: Payload): boolean {
    return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
  }

  /** The key ID an encrypted payload names ('' if none). */
  static keyIdOf(payload: Payload): string {
    return text(payload.metadata?.[METADATA_KEY_ID]);
  }

  private encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#currentKey, iv, { authTagLength: TAG_BYTES });
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [METADATA_KEY_ID]: Buffer.from(this.currentKeyId),
        [METADATA_CIPHER]: Buffer.from(CIPHER_NAME),
      },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = AesGcmCodec.keyIdOf(payload);
    if (!keyId) throw new PayloadDecryptionError('cannot decrypt payload: it is encrypted but names no encryption-key-id', '');
    const cipherName = text(payload.metadata?.[METADATA_CIPHER]);
    if (cipherName && cipherName !== CIPHER_NAME) {
      throw new PayloadDecryptionError(`cannot decrypt payload (key ${keyId}): cipher ${cipherName} is not ${CIPHER_NAME}`, keyId);
    }
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `cannot decrypt payload: encryption key ${keyId} is not configured (this process has keys ${this.keyIds.join(', ')}; add ${keyId} to PAYLOAD_ENCRYPTION_KEYS)`,
        keyId,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`cannot decrypt payload (key ${keyId}): ${data.length} bytes is too short`, keyId);
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`cannot decrypt payload with key ${keyId}: authentication failed (altered, or encrypted with a different key of that ID)`, keyId);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
