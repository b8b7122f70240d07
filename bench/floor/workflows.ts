// The engine's floor: a workflow that does nothing. One workflow task (with eager start it comes back in the
// start's response), whose completion completes the workflow. Bundled by the floor process (bench/floor/main.ts).
// The sink tells that process's lanes the workflow is done without a call to the server (no result poll).
import { proxySinks, type Sinks } from '@temporalio/workflow';

export interface FloorSinks extends Sinks {
  floor: { done(): void };
}

const { floor } = proxySinks<FloorSinks>();

export function emptyWorkflow(): Promise<void> {
  floor.done();
  return Promise.resolve();
}
