{#- The Parquet table has one partition per ingest hour at a fixed location, registered before the insert
    so the insert writes there and the previous task can empty it on a rerun. -#}
{{ hour.add_parquet_partition_sql() }}
