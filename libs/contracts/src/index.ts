export * from './errors';
export * from './pagination.schema';
export * from './robot.schema';
export * from './system-log.schema';
export * from './threshold.schema';
export * from './user.schema';
export * from './validation';
