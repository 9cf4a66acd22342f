{#- What hour H held, from its compacted partition: one 'total' row, then the top rejected sources. -#}
WITH hour_flows AS (
    SELECT sourceaddress, action, bytes
    FROM {{ hour.table(hour.stack.parquet_table) }}
    WHERE ingestdatetime = '{{ hour.label }}'
), top_rejected AS (
    SELECT sourceaddress, count(*) AS flows
    FROM hour_flows
    WHERE action = 'REJECT'
    GROUP BY sourceaddress
    ORDER BY flows DESC, sourceaddress
    LIMIT 5
)
SELECT 'total' AS kind, CAST(NULL AS VARCHAR) AS sourceaddress, count(*) AS flows,
       coalesce(sum(bytes), 0) AS bytes, count_if(action = 'REJECT') AS rejects
FROM hour_flows
UNION ALL
SELECT 'top_rejected', sourceaddress, flows, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
FROM top_rejected
