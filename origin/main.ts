/** `npm run origin`: loads `ORIGIN_*` config, starts the origin, stops on SIGINT/SIGTERM. */
import { runService } from '../common/run-service.ts'
import { loadOriginConfig } from './config.ts'
import { startOrigin } from './server.ts'

void runService({
  name: 'origin',
  load: () => loadOriginConfig({ env: process.env }),
  logLevel: (c) => c.logLevel,
  start: (c, logger) => startOrigin(c, { logger }),
  describe: (o) => ({ httpPort: o.httpPort, rtmpPort: o.rtmpPort, srtPort: o.srtPort }),
})
