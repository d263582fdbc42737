/** Nest injection tokens of what service-kit provides (globally) to every service module. */
export const SERVICE_CONTEXT = 'shipshape:service-context';
export const SERVICE_CONFIG = 'shipshape:service-config';
/** The service's TypeORM DataSource (also injectable by its class, `DataSource`). */
export const DATA_SOURCE = 'shipshape:data-source';
/** The service's shared kafkajs client (also injectable by its class, `Kafka`). */
export const KAFKA = 'shipshape:kafka';
/** The service's pino logger (from @shipshape/telemetry). */
export const LOGGER = 'shipshape:logger';
export const TELEMETRY = 'shipshape:telemetry';
/** Internal: how the kit closes what it opened. */
export const KIT_RUNTIME = 'shipshape:kit-runtime';
