{#- One row per check per hour: the quality history, queryable next to the flows. Each hour's rows are
    one Parquet object at a fixed key, so a rerun of the hour replaces them. -#}
CREATE EXTERNAL TABLE IF NOT EXISTS {{ hour.table(hour.quality_table) }} (
check_name STRING,
value BIGINT,
ratio DOUBLE,
threshold DOUBLE,
passed BOOLEAN
)
PARTITIONED BY (IngestDateTime STRING)
STORED AS PARQUET
LOCATION '{{ hour.quality_table_location }}'
