/**
 * The built-in simulator: a deterministic world of services, load, capacity and incidents
 * that writes sampled JSON logs, obeys actuator commands, and reports the ground truth.
 *
 *   scenario (JSON/YAML) ─► createSimulator ─► step(): lines + truth ─► createSimulatorSource (LogSource)
 *                                  ▲                                 └► simulateToStream (NDJSON)
 *                      control (scale, shiftTraffic, rollback)        groundTruth(): breaches, replicas
 */
export { createSimulator, type Simulator } from './simulator.ts';
export { createSimulatorSource, type SimulatorSourceOptions } from './source.ts';
export { simulateToStream, type SimulateOptions } from './stream.ts';
export { loadScenario, listScenarios, parseScenario, builtinScenarioNames, type ScenarioSummary } from './load.ts';
export {
  scenarioSchema, serviceSchema, incidentSchema, isPredictable, rampOf,
  type Scenario, type ScenarioInput, type ServiceSpec, type Incident, type IncidentKind,
} from './scenario.ts';
export { simulatorOptionsSchema, type SimulatorOptions, type SimulatorOptionsInput } from './config.ts';
export type {
  SimulatorControl, ServiceState, ServiceTruth, StepResult, GroundTruth, ServiceGroundTruth, IncidentTruth,
  BreachInterval, ControlAction,
} from './types.ts';
