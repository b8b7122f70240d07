// The data converter every Temporal client and worker of the service uses: the AES-GCM codec when payload
// encryption keys are configured, the SDK's defaults otherwise.
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm-codec';
import type { PayloadKeys } from './keys';

export function payloadDataConverter(keys: PayloadKeys | undefined): DataConverter {
  return keys ? { payloadCodecs: [new AesGcmCodec(keys)] } : {};
}
