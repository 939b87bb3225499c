/**
 * CRC-64-AVRO, the 64-bit Rabin fingerprint the Avro spec uses for single-object encoding
 * ("Schema Fingerprints"). Computed once per schema at load, so BigInt is fine here; the decode
 * hot path compares the fingerprint as two uint32 halves instead.
 */
const EMPTY = 0xc15d213aa4d7a795n;

const TABLE: readonly bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0n; i < 256n; i++) {
    let fp = i;
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
    table.push(fp);
  }
  return table;
})();

/** The CRC-64-AVRO fingerprint of `text` (UTF-8), as an unsigned 64-bit value. */
export function crc64Avro(text: string): bigint {
  let fp = EMPTY;
  for (const byte of Buffer.from(text, 'utf8')) {
    fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint);
  }
  return fp;
}
