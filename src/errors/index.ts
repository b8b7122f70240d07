export { AlertConflictError } from './alert-conflict-error';
export { BulkItemError } from './bulk-item-error';
export { ConfigError } from './config-error';
export { InvalidEntryError } from './invalid-entry-error';
export { MappingMismatchError, type FieldMismatch } from './mapping-mismatch-error';
export { PermanentDeliveryError } from './permanent-delivery-error';
export { StartupCheckError } from './startup-check-error';
export { StoreRefusedError } from './store-refused-error';
export { TransientDeliveryError } from './transient-delivery-error';
