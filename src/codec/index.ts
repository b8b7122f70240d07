// Payload encryption (AES-256-GCM codec, keys from the environment). See docs/encryption.md.
export { AesGcmCodec, CIPHER_NAME, ENCRYPTED_ENCODING, METADATA_CIPHER, METADATA_KEY_ID } from './aes-gcm-codec';
export { payloadDataConverter } from './data-converter';
export { describePayloadKeys, KEY_BYTES, KEY_ID_PATTERN, loadPayloadKeys, type PayloadKeys } from './keys';
export { PayloadDecryptionError } from '../errors/payload-decryption-error';
