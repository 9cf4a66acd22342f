{#- Hour H's valid rows, typed, into the Parquet table's partition for H. The task (vpcflow.hourly.
    operators.ReplacingAthenaOperator) empties the partition's folder first on every try, so a rerun or a
    retry replaces the hour instead of appending to it. The rows come
    from the raw table's typed companion: its packets, bytes and times are BIGINT already, where the blog's
    INT columns read a flow of 2^31 bytes or more as NULL. The times are UTC timestamps built without
    from_unixtime: it returns a timestamp WITH time zone, and Athena engine v3 refuses any cast of one into
    the table's TIMESTAMP columns ("Casting a Timestamp with Time Zone to Timestamp is not supported",
    docs.aws.amazon.com/athena/latest/ug/engine-versions-reference-0003.html). -#}
INSERT INTO {{ hour.table(hour.stack.parquet_table) }}
SELECT version, account, interfaceid, sourceaddress, destinationaddress, sourceport, destinationport,
       protocol, packets, bytes, starttime, endtime, action, logstatus,
       date_add('second', starttime, TIMESTAMP '1970-01-01 00:00:00') AS start_time,
       date_add('second', endtime, TIMESTAMP '1970-01-01 00:00:00') AS end_time,
       '{{ hour.label }}' AS ingestdatetime
FROM {{ hour.table(hour.stack.typed_table) }}
WHERE ingestdatetime = '{{ hour.raw_partition.value }}'
{%- if not hour.partition_is_the_hour %}
  AND "$path" LIKE '{{ hour.raw_location }}%'
{%- endif %}
  AND logstatus IS NOT NULL
