'use strict'
/**
 * tickflow's replacement for kafkajs 2.2.4 `src/producer/groupMessagesPerPartition.js` (installed by
 * tools/patch-deps.mjs). Same result — messages grouped by the partition the partitioner picks, in
 * their original order — but linear: upstream copies the partition's array for every message
 * (`[...current, message]`), quadratic in the messages per send, which was the processor's largest
 * single cost when a checkpoint sends tens of thousands of records.
 */
module.exports = ({ topic, partitionMetadata, messages, partitioner }) => {
  if (partitionMetadata.length === 0) return {}
  const result = {}
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message })
    const list = result[partition]
    if (list) list.push(message)
    else result[partition] = [message]
  }
  return result
}
