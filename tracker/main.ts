/** `npm run tracker`: loads `TRACKER_*` configuration, starts the tracker, stops on SIGINT/SIGTERM. */
import { runService } from '../common/run-service.ts'
import { loadTrackerConfig } from './config.ts'
import { startTracker } from './server.ts'

void runService({
  name: 'tracker',
  load: () => loadTrackerConfig({ env: process.env }),
  logLevel: (c) => c.logLevel,
  start: (c, log) => startTracker(c, log),
  describe: (t, c) => ({ port: t.port, transport: t.transport, workers: c.workers }),
})
