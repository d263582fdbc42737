export * from './services';
export * from './topics';
export * from './error-classes';
export * from './errors';
export * from './stages';
export * from './generated/events.generated';
export { SCHEMA_DEFINITIONS } from './generated/schemas.generated';
export * from './codec';
export * from './samples/event.samples';
