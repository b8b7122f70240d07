// The workflow bundle's entry point: every workflow the worker registers.
export { deliverAlert } from './deliver-alert';
export { alertGroup } from './alert-group';
