{#- Hour H's valid rows, typed, into the Parquet table's partition for H. The task before this one
    emptied the partition's folder, so a rerun replaces the hour instead of appending to it. -#}
INSERT INTO {{ params.database }}.{{ params.parquet_table }}
SELECT version, account, interfaceid, sourceaddress, destinationaddress, sourceport, destinationport,
       protocol, CAST(packets AS BIGINT), CAST(bytes AS BIGINT), CAST(starttime AS BIGINT),
       CAST(endtime AS BIGINT), action, logstatus,
       from_unixtime(starttime) AS start_time, from_unixtime(endtime) AS end_time,
       '{{ data_interval_start.strftime("%Y-%m-%d-%H") }}' AS ingestdatetime
FROM {{ params.database }}.{{ params.raw_table }}
WHERE ingestdatetime = '{{ raw_partition(params, data_interval_start).value }}'
{%- if params.partition_type != "Hour" %}
  AND "$path" LIKE '{{ hour_location(params, data_interval_start) }}%'
{%- endif %}
  AND logstatus IS NOT NULL
