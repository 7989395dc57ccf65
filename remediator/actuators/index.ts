import { ForesightError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { RemediatorConfig } from '../config.ts';
import type { Actuator } from '../types.ts';
import { createLogActuator } from './log.ts';
import { createSimulatorActuator, type SimulatorControl } from './simulator.ts';
import { createWebhookActuator, type WebhookDeps } from './webhook.ts';
import { createKubernetesActuator, type KubernetesDeps } from './kubernetes/index.ts';
import { createExecActuator } from './exec.ts';
import { createHaproxyActuator } from './haproxy.ts';

export { createLogActuator } from './log.ts';
export { createSimulatorActuator, type SimulatorControl } from './simulator.ts';
export { createKubernetesActuator } from './kubernetes/index.ts';
export { createWebhookActuator, signBody, verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook.ts';

export interface ActuatorDeps {
  log: Logger;
  /** Needed when `actuators` lists `simulator`. */
  simulator?: SimulatorControl;
  webhook?: WebhookDeps;
  kubernetes?: KubernetesDeps;
}

/** Builds the configured actuators, in the configured order (the order they are called in). */
export function createActuators(cfg: Pick<RemediatorConfig, 'actuators' | 'webhook' | 'kubernetes' | 'exec' | 'haproxy'>, deps: ActuatorDeps): Actuator[] {
  return cfg.actuators.map((name) => {
    switch (name) {
      case 'log':
        return createLogActuator(deps.log);
      case 'simulator':
        if (!deps.simulator) throw new ForesightError('CONFIG_INVALID', 'the simulator actuator is configured but no simulator is running');
        return createSimulatorActuator(deps.simulator);
      case 'webhook':
        if (!cfg.webhook) throw new ForesightError('CONFIG_INVALID', 'the webhook actuator needs remediator.webhook');
        return createWebhookActuator(cfg.webhook, deps.webhook);
      case 'kubernetes':
        if (!cfg.kubernetes) throw new ForesightError('CONFIG_INVALID', 'the kubernetes actuator needs remediator.kubernetes');
        return createKubernetesActuator(cfg.kubernetes, deps.kubernetes);
      case 'exec':
        if (!cfg.exec) throw new ForesightError('CONFIG_INVALID', 'the exec actuator needs remediator.exec');
        return createExecActuator(cfg.exec);
      case 'haproxy':
        if (!cfg.haproxy) throw new ForesightError('CONFIG_INVALID', 'the haproxy actuator needs remediator.haproxy');
        return createHaproxyActuator(cfg.haproxy);
    }
  });
}
