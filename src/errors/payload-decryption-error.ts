/**
 * An encrypted payload (encoding `binary/encrypted`) cannot be decrypted: its key ID is not among the configured
 * keys, or the ciphertext does not authenticate with the key it names (altered, or a different key under the
 * same ID). Never passed through: the workflow task, the client call or the replay fails with the key ID.
 */
export class PayloadDecryptionError extends Error {
  constructor(
    message: string,
    /** The key ID the payload's metadata names (`encryption-key-id`), or '' when it names none. */
    readonly keyId: string,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}
