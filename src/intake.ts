// The intake process: takes alerts over HTTP (our API, Alertmanager's webhook) into the alert stream, and
// serves the ack links. See src/intake/ and docs/intake.md.
import { loadIntakeSettings } from './config/intake';
import { IntakeService } from './intake/service';
import { exitOnStartupError } from './service';

async function main(): Promise<void> {
  const intake = await IntakeService.open(loadIntakeSettings());
  const { log } = intake;
  let stopped: Promise<void> | undefined;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      log.info({ signal: sig }, 'stopping: no new requests, finishing those in flight');
      stopped ??= intake.stop().then(
        () => {
          log.info('intake stopped');
          process.exit(0);
        },
        (e: Error) => {
          log.error({ err: e.message }, 'intake stopped with an error');
          process.exit(1);
        },
      );
    });
  }
  await intake.listen();
}

main().catch((e) => exitOnStartupError('intake', e));
