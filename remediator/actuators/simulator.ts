import type { ActionRecord, Actuator } from '../types.ts';

/**
 * The part of the built-in simulator the remediator drives. Targets are simulator service
 * names; `share` is the fraction of traffic sent to the standby.
 */
export interface SimulatorControl {
  scale(service: string, toReplicas: number): void;
  shiftTraffic(service: string, share: number): void;
  replicas(service: string): number;
}

/**
 * Acts on the simulator. It is safe in dry run on purpose: the embedded default runs in dry
 * run, and the loop only closes (actions change what happens next) if the simulated system
 * feels them. Nothing outside the process is touched.
 */
export function createSimulatorActuator(sim: SimulatorControl): Actuator {
  return {
    name: 'simulator',
    safeInDryRun: true,
    async replicas(target: string) {
      return sim.replicas(target);
    },
    async execute(a: ActionRecord) {
      const done: string[] = [];
      if (a.params.toReplicas !== undefined) {
        sim.scale(a.target, a.params.toReplicas);
        done.push(`replicas=${a.params.toReplicas}`);
      }
      if (a.params.toWeights) {
        const share = a.params.toWeights.standby ?? 0;
        sim.shiftTraffic(a.target, share);
        done.push(`standby share=${share}`);
      }
      return { ok: true, detail: done.length ? done.join(', ') : 'nothing to change' };
    },
  };
}
