export * from './avro.codec';
export * from './canonical-form';
export * from './codec.errors';
export * from './compatibility';
export * from './crc64-avro';
export * from './schema.registry';
