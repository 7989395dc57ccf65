import type { Logger } from '../../core/log.ts';
import type { ActionRecord, Actuator } from '../types.ts';

/** Writes each action to the log. Changes nothing, so it also runs in dry run. */
export function createLogActuator(log: Logger): Actuator {
  return {
    name: 'log',
    safeInDryRun: true,
    async execute(a: ActionRecord) {
      log.info(
        { actionId: a.actionId, service: a.service, kind: a.kind, target: a.target, params: a.params, mode: a.mode, reason: a.reason },
        `remediation ${a.kind} on ${a.target}`,
      );
      return { ok: true, detail: 'logged' };
    },
  };
}
