{#- Hour H's valid rows, typed, into the Parquet table's partition for H. The task (vpcflow.hourly.
    operators.ReplacingAthenaOperator) empties the partition's folder first on every try, so a rerun or a
    retry replaces the hour instead of appending to it. The rows come
    from the raw table's typed companion: its packets, bytes and times are BIGINT already, where the blog's
    INT columns read a flow of 2^31 bytes or more as NULL. -#}
INSERT INTO {{ hour.table(hour.stack.parquet_table) }}
SELECT version, account, interfaceid, sourceaddress, destinationaddress, sourceport, destinationport,
       protocol, packets, bytes, starttime, endtime, action, logstatus,
       from_unixtime(starttime) AS start_time, from_unixtime(endtime) AS end_time,
       '{{ hour.label }}' AS ingestdatetime
FROM {{ hour.table(hour.stack.typed_table) }}
WHERE ingestdatetime = '{{ hour.raw_partition.value }}'
{%- if not hour.partition_is_the_hour %}
  AND "$path" LIKE '{{ hour.raw_location }}%'
{%- endif %}
  AND logstatus IS NOT NULL
