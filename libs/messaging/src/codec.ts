/**
 * What messaging needs from a codec. `AvroCodec` from @shipshape/contracts satisfies it; keeping the
 * dependency structural lets the kit carry any encoded event without knowing the schemas.
 */
export interface EventCodec {
  encode(eventType: never, value: never): Buffer;
  decode(bytes: Buffer): { eventType: string; writerVersion: number; value: unknown };
}

/** Encode through a codec whose encode is typed per event type, for callers that only know the name at run time. */
export function encodeWith(codec: EventCodec, eventType: string, value: unknown): Buffer {
  return (codec.encode as (t: string, v: unknown) => Buffer)(eventType, value);
}
