{#- What hour H held, from its compacted partition: one 'total' row, then the top rejected sources. Flows
    are the records with log-status OK (every record, for a format without log-status); NODATA and SKIPDATA
    records are counted apart: they say a capture window carried no data, not that a flow happened. -#}
WITH hour_records AS (
    SELECT sourceaddress, action, bytes, coalesce(logstatus, 'OK') AS logstatus
    FROM {{ hour.table(hour.stack.parquet_table) }}
    WHERE ingestdatetime = '{{ hour.label }}'
), top_rejected AS (
    SELECT sourceaddress, count(*) AS flows
    FROM hour_records
    WHERE action = 'REJECT' AND logstatus = 'OK'
    GROUP BY sourceaddress
    ORDER BY flows DESC, sourceaddress
    LIMIT 5
)
SELECT 'total' AS kind, CAST(NULL AS VARCHAR) AS sourceaddress, count_if(logstatus = 'OK') AS flows,
       coalesce(sum(bytes), 0) AS bytes, count_if(action = 'REJECT' AND logstatus = 'OK') AS rejects,
       count_if(logstatus = 'NODATA') AS nodata, count_if(logstatus = 'SKIPDATA') AS skipdata
FROM hour_records
UNION ALL
SELECT 'top_rejected', sourceaddress, flows, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
       CAST(NULL AS BIGINT)
FROM top_rejected
