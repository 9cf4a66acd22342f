{#- The Parquet table has one partition per ingest hour at a fixed location, registered before the insert
    so the insert writes there and the previous task can empty it on a rerun. -#}
ALTER TABLE {{ params.database }}.{{ params.parquet_table }} ADD IF NOT EXISTS
PARTITION (IngestDateTime = '{{ data_interval_start.strftime("%Y-%m-%d-%H") }}')
LOCATION '{{ parquet_partition_location(params, data_interval_start) }}'
