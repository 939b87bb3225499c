-- 0003: the ClickHouse writer's batch log (apps/processor/src/storage/clickhouse-writer.ts).
-- Before inserting a batch, the writer records its offset range here; after a crash between the
-- insert and the Kafka offset commit, the next owner of the partition finds the range starting at
-- its committed offset and cuts its first batch at exactly that range, so the retried insert
-- carries the same insert_deduplication_token and is dropped (also by the materialized views).
-- One row per (group, topic, partition) survives: the latest batch (highest first_offset).
CREATE TABLE IF NOT EXISTS writer_batches
(
    group_id      String,
    topic         String,
    partition     UInt32,
    first_offset  UInt64,
    last_offset   UInt64,
    recorded_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(first_offset)
ORDER BY (group_id, topic, partition)
SETTINGS non_replicated_deduplication_window = 1000;
