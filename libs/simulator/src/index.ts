export { commandTopics, respondToCommand, type CommandOutcome } from './command-responder';
export { checkClockZone, naiveTimestamp, type RobotClockZone } from './naive-timestamp';
export { round, SeededRandom } from './random';
export { parseRate } from './rate';
export { modesPerRobot, ROBOT_MODES, type RobotMode } from './robot-modes';
export { CLIENT_INTERVALS_S, JOB_TICK_S, startSchedule, type ScheduledStream, type TelemetryStream } from './schedule';
export { batteryVoltage, SILENT_AFTER_S, SimulatedRobot, TASKS, type SimulatedRobotOptions } from './simulated-robot';
export { robotIds, startSimulation, type SimulationHandle, type SimulationOptions } from './simulation';
export * from './tonypi-payloads';
