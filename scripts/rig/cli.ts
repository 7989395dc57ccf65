/**
 * npm run rig -- up [--fresh] | down | status | stop kafka|elasticsearch | start kafka|elasticsearch
 *
 * Prints one JSON line on stdout (for scripts); progress goes to stderr.
 * Ports: RIG_KAFKA_PORT (19092), RIG_KAFKA_CONTROLLER_PORT (kafka + 1), RIG_ES_PORT (19200).
 */
import { rigDown, rigStatus, rigStop, rigUp } from './index.ts';

const USAGE = 'usage: npm run rig -- up [--fresh] | down | status | stop kafka|elasticsearch | start kafka|elasticsearch';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'stop') {
    const [service, ...more] = rest;
    if ((service !== 'kafka' && service !== 'elasticsearch') || more.length > 0) { console.error(USAGE); return 2; }
    // One server only (an outage by hand); `up` starts it again.
    console.log(JSON.stringify({ [service]: await rigStop(service) }));
    return 0;
  }
  if (command === 'start') {
    const [service, ...more] = rest;
    if ((service !== 'kafka' && service !== 'elasticsearch') || more.length > 0) { console.error(USAGE); return 2; }
    // One server only, the other left as it is (stopped, for an outage by hand).
    console.log(JSON.stringify(await rigUp({ log: (line) => console.error(`[rig] ${line}`) }, service)));
    return 0;
  }
  const unknown = rest.filter((a) => a !== '--fresh' || command !== 'up');
  if (unknown.length > 0 || command === undefined) {
    console.error(USAGE);
    return 2;
  }
  switch (command) {
    case 'up': {
      const result = await rigUp({
        fresh: rest.includes('--fresh'),
        log: (line) => console.error(`[rig] ${line}`),
      });
      console.log(JSON.stringify(result));
      return 0;
    }
    case 'down':
      console.log(JSON.stringify(await rigDown()));
      return 0;
    case 'status': {
      const status = await rigStatus();
      console.log(JSON.stringify(status));
      return status.kafka.healthy && status.elasticsearch.healthy ? 0 : 1;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  console.error(`[rig] ${err instanceof Error ? err.message : String(err)}`);
  if (err instanceof Error && err.cause) console.error('[rig] cause:', err.cause);
  process.exitCode = 1;
}
