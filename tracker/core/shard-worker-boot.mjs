// Worker entry for the swarm-core shards: registers tsx's ESM hooks inside this worker thread, then
// loads the TypeScript shard. `new Worker(url, { execArgv: ['--import', 'tsx'] })` does not work on
// Node 20 (the worker still fails with ERR_UNKNOWN_FILE_EXTENSION), hence this plain-JS step.
import { register } from 'tsx/esm/api'

register()
await import('./shard-worker.ts')
