{#- Hour H's distinct records, typed, as Parquet (ZSTD) in a location of this try's own: vpcflow.hourly.
    compaction switches the Parquet table's partition for H to it once this statement has finished, so no
    reader ever sees half an hour or an hour twice; a retry writes to a new location. DISTINCT: at-least-
    once delivery (Lambda retries, resent batches) writes some records twice, and each is one flow. The
    columns are the Parquet table's, in its order, built from the format's fields (formats.parquet_select).
    Malformed lines (every column NULL) stay out; NODATA and SKIPDATA records, which AWS writes on purpose,
    go in. -#}
CREATE TABLE {{ compaction.table }}
WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = '{{ compaction.location }}')
AS SELECT DISTINCT
    {{ hour.parquet_select | join(",\n    ") }}
FROM {{ hour.table(hour.stack.typed_table) }}
WHERE ingestdatetime = '{{ hour.raw_partition.value }}'
{%- if not hour.partition_is_the_hour %}
  AND "$path" LIKE '{{ hour.raw_location }}%'
{%- endif %}
  AND NOT ({{ hour.malformed_sql }})
