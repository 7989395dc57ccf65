/**
 * npm run rig -- up [--fresh] [kafka elasticsearch kube] | down | status
 *                 | stop kafka|elasticsearch|kube | start kafka|elasticsearch|kube
 *
 * `up` with no service names starts everything (Kafka, Elasticsearch, and the Kubernetes API
 * server with its etcd, which the first time on a machine means a ~12-minute build); name
 * services to start only those. `stop`/`start` act on one server and leave the others as they
 * are (an outage by hand). Prints one JSON line on stdout (for scripts); progress goes to stderr.
 * Ports: RIG_KAFKA_PORT (19092), RIG_KAFKA_CONTROLLER_PORT (kafka + 1), RIG_ES_PORT (19200),
 * RIG_KUBE_PORT (19443), RIG_ETCD_PORT (kube + 1; peer + 2).
 */
import { rigDown, rigStatus, rigStop, rigUp } from './index.ts';
import { kubeDown, kubeUp } from './kube.ts';

const USAGE = 'usage: npm run rig -- up [--fresh] [kafka elasticsearch kube] | down | status | stop kafka|elasticsearch|kube | start kafka|elasticsearch|kube';
const SERVICES = ['kafka', 'elasticsearch', 'kube'] as const;
type Service = (typeof SERVICES)[number];
const isService = (s: string): s is Service => (SERVICES as readonly string[]).includes(s);

async function up(want: Set<Service>, fresh: boolean, log: (line: string) => void): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const kafka = want.has('kafka');
  const es = want.has('elasticsearch');
  if (kafka && es) Object.assign(out, await rigUp({ fresh, log }));
  else if (kafka || es) Object.assign(out, await rigUp({ fresh, log }, kafka ? 'kafka' : 'elasticsearch'));
  if (want.has('kube')) out.kube = await kubeUp({ log });
  return out;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const log = (line: string): void => console.error(`[rig] ${line}`);
  if (command === 'stop' || command === 'start') {
    const [service, ...more] = rest;
    if (service === undefined || !isService(service) || more.length > 0) { console.error(USAGE); return 2; }
    if (command === 'stop') {
      // One server only (an outage by hand); `up` or `start` starts it again.
      console.log(JSON.stringify({ [service]: service === 'kube' ? await kubeDown() : await rigStop(service) }));
    } else {
      console.log(JSON.stringify(await up(new Set([service]), false, log)));
    }
    return 0;
  }
  switch (command) {
    case 'up': {
      const names = rest.filter((a) => a !== '--fresh');
      if (!names.every(isService)) { console.error(USAGE); return 2; }
      console.log(JSON.stringify(await up(new Set<Service>(names.length ? names : SERVICES), rest.includes('--fresh'), log)));
      return 0;
    }
    case 'down':
      if (rest.length) { console.error(USAGE); return 2; }
      console.log(JSON.stringify({ ...(await rigDown()), kube: await kubeDown() }));
      return 0;
    case 'status': {
      if (rest.length) { console.error(USAGE); return 2; }
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
