import type { Config } from './config.ts';
import type { ServicePolicy } from '../remediator/config.ts';

/**
 * Per-service policy lookup: an entry named after the service, else `default`. Services
 * with neither have no SLO: they are aggregated and watched for anomalies but never
 * remediated.
 */
export function policyResolver(config: Config): (service: string) => ServicePolicy | undefined {
  return (service) => config.services[service] ?? config.services.default;
}
