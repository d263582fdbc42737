/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro specification defines for schema fingerprints
 * ("Schema Fingerprints" in the Avro spec; `SchemaNormalization.fingerprint64` in the Java
 * implementation). Computed with BigInt over the UTF-8 bytes of a schema's Parsing Canonical Form.
 */
export const CRC64_AVRO_EMPTY = 0xc15d213aa4d7a795n;

const MASK_64 = 0xffffffffffffffffn;

/** FP_TABLE from the specification: for each byte value, eight shift/xor rounds with EMPTY as the polynomial. */
export const CRC64_AVRO_TABLE: readonly bigint[] = Object.freeze(
  Array.from({ length: 256 }, (_, i) => {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      // (fp >>> 1) ^ (EMPTY & -(fp & 1)): -(1n) has every bit set, -(0n) none.
      fp = (fp >> 1n) ^ (CRC64_AVRO_EMPTY & -(fp & 1n));
    }
    return fp & MASK_64;
  }),
);

/** The 64-bit fingerprint as an unsigned BigInt (Java prints the same bits as a signed long). */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = CRC64_AVRO_EMPTY;
  for (let i = 0; i < bytes.length; i++) {
    fp = (fp >> 8n) ^ CRC64_AVRO_TABLE[Number((fp ^ BigInt(bytes[i] as number)) & 0xffn)]!;
  }
  return fp;
}

/** The fingerprint of a text (its UTF-8 bytes) as the 8 little-endian bytes single-object encoding uses. */
export function crc64AvroLittleEndian(text: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(crc64Avro(Buffer.from(text, 'utf8')));
  return out;
}

/** Java's `long` view of a fingerprint (two's complement), handy to compare with the reference implementation. */
export function toSignedInt64(fp: bigint): bigint {
  return BigInt.asIntN(64, fp);
}
