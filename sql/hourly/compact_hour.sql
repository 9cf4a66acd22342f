{#- Hour H's valid rows, typed, into the Parquet table's partition for H. The task (vpcflow.hourly.
    operators.ReplacingAthenaOperator) empties the partition's folder first on every try, so a rerun or a
    retry replaces the hour instead of appending to it. The rows come
    from the raw table's typed companion: its packets, bytes and times are BIGINT already, where the blog's
    INT columns read a flow of 2^31 bytes or more as NULL. -#}
INSERT INTO {{ params.database }}.{{ params.parquet_table }}
SELECT version, account, interfaceid, sourceaddress, destinationaddress, sourceport, destinationport,
       protocol, packets, bytes, starttime, endtime, action, logstatus,
       from_unixtime(starttime) AS start_time, from_unixtime(endtime) AS end_time,
       '{{ data_interval_start.strftime("%Y-%m-%d-%H") }}' AS ingestdatetime
FROM {{ params.database }}.{{ typed_table(params) }}
WHERE ingestdatetime = '{{ raw_partition(params, data_interval_start).value }}'
{%- if params.partition_type != "Hour" %}
  AND "$path" LIKE '{{ hour_location(params, data_interval_start) }}%'
{%- endif %}
  AND logstatus IS NOT NULL
