'use strict'
/**
 * tickflow's replacement for kafkajs 2.2.4 `src/consumer/filterAbortedMessages.js` (installed by
 * tools/patch-deps.mjs). It decides which fetched records a read_committed consumer may see.
 *
 * Why: kafkajs takes the broker's aborted-transaction list to be sorted by first offset and starts
 * ignoring at most one aborted producer per record. The broker lists aborted transactions in the
 * order they were aborted, so when a transaction that began later is aborted first (two transactional
 * producers on one partition, e.g. after a fencing), the earlier one's first records leak to
 * read_committed consumers — exactly-once outputs then look doubled downstream.
 *
 * The rule here is the Java consumer's: before looking at a record, every aborted transaction whose
 * first offset is at or below the record's offset marks its producer as aborted; a transactional data
 * record of an aborted producer is dropped; that producer's ABORT control record ends the span.
 * Control records themselves are left for kafkajs to drop, as before.
 *
 * @param {{ messages: Array<{ offset: string, key: Buffer | null, isControlRecord?: boolean, batchContext: { producerId: string, inTransaction: boolean } }>, abortedTransactions?: Array<{ producerId: string, firstOffset: string }> }} args
 */
module.exports = function filterAbortedMessages({ messages, abortedTransactions }) {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages

  const pending = abortedTransactions
    .map((t) => ({ producerId: String(t.producerId), firstOffset: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
  let next = 0
  const aborted = new Set()

  return messages.filter((message) => {
    const offset = BigInt(message.offset)
    while (next < pending.length && pending[next].firstOffset <= offset) aborted.add(pending[next++].producerId)

    const { producerId, inTransaction } = message.batchContext
    if (message.isControlRecord) {
      if (isAbortMarker(message.key)) aborted.delete(String(producerId))
      return true
    }
    return !(inTransaction && aborted.has(String(producerId)))
  })
}

/** A control record's key is version (int16) then type (int16): type 0 is ABORT, 1 is COMMIT. */
function isAbortMarker(key) {
  if (!key) return false
  const k = Buffer.from(key)
  return k.length >= 4 && k.readInt16BE(2) === 0
}
