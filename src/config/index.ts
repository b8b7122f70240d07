// The service's configuration: one schema of the environment (./schema.ts) and each process's loader.
export { loadConfig, type ServiceConfig, type ServiceRole } from './service';
export { PACKAGE_ROOT } from './schema';
export type { AckLinkSettings } from '../ack-links';
