{#- Capture health (T1562.008), per interface and hour, three signals:
    - silent: a busy interface (its median flows at this hour of day over the previous days, at least
      t.min_history_days of them, is t.busy_flows or more) carried at most t.silent_percent percent of that
      median: its flow log stopped, or the instance did. The median, not the mean: one earlier burst (a scan,
      a flood) does not make a quiet interface look busy;
    - nodata: a busy interface, not silent, with at least t.min_nodata NODATA windows (no traffic captured
      for much of the hour);
    - skipdata: at least t.min_skipdata SKIPDATA windows (AWS skipped records: capacity or internal error).
    An interface with no record at all in the hour is found through its baselines. -#}
WITH {% include "detections/_flows.sql" %},
judged AS (
    SELECT hour FROM UNNEST(ARRAY[{{ run.hours_sql }}]) AS h (hour)
), current AS (
    SELECT hour, interfaceid AS iface, max(account) AS account, count_if(logstatus = 'OK') AS flows,
           count_if(logstatus = 'NODATA') AS nodata, count_if(logstatus = 'SKIPDATA') AS skipdata,
           min(start_time) AS first_seen, max(end_time) AS last_seen,
           {{ run.evidence(where="logstatus <> 'OK'") }} AS evidence,
           {{ run.enrichment() }}
    FROM flows
    GROUP BY hour, interfaceid
), days AS (
    SELECT j.hour, b.interfaceid AS iface, b.account, b.flows,
           row_number() OVER (PARTITION BY j.hour, b.interfaceid ORDER BY b.flows, b.ingestdatetime) AS rank,
           count(*) OVER (PARTITION BY j.hour, b.interfaceid) AS days
    FROM judged j
    JOIN {{ run.baselines_table }} b
      ON b.metric = 'iface'
     AND b.ingestdatetime IN ({{ run.seasonal_sql(0) }})
     AND {{ run.offset("b.ingestdatetime", "j.hour") }} BETWEEN 24 AND {{ run.lookback_hours }}
     AND {{ run.offset("b.ingestdatetime", "j.hour") }} % 24 = 0
), usual AS (
    SELECT hour, iface, max(account) AS account, max(days) AS days,
           max(CASE WHEN rank = (days + 1) / 2 THEN flows END) AS median_flows
    FROM days
    GROUP BY hour, iface
    HAVING max(days) >= {{ t.min_history_days }}
       AND max(CASE WHEN rank = (days + 1) / 2 THEN flows END) >= {{ t.busy_flows }}
), busy AS (
    SELECT u.hour, u.iface, coalesce(c.account, u.account) AS account, u.days, u.median_flows,
           coalesce(c.flows, 0) AS flows, coalesce(c.nodata, 0) AS nodata, c.first_seen, c.last_seen, c.evidence,
           c.interface_context,
           coalesce(c.flows, 0) * 100 <= {{ t.silent_percent }} * u.median_flows AS silent
    FROM usual u
    LEFT JOIN current c ON c.hour = u.hour AND c.iface = u.iface
)
SELECT hour, iface AS interfaceid, account, CAST(NULL AS VARCHAR) AS source, CAST(NULL AS VARCHAR) AS destination,
       CAST(NULL AS INTEGER) AS port, CAST(NULL AS INTEGER) AS protocol,
       CASE WHEN silent THEN 'silent' ELSE 'nodata' END AS subtype,
       flows, CAST(0 AS BIGINT) AS packets, CAST(0 AS BIGINT) AS bytes,
       CASE WHEN silent THEN 100.0 * flows / median_flows ELSE CAST(nodata AS DOUBLE) END AS score,
       CAST(CASE WHEN silent THEN {{ t.silent_percent }} ELSE {{ t.min_nodata }} END AS DOUBLE) AS threshold,
       coalesce(first_seen, date_parse(hour, '%Y-%m-%d-%H')) AS first_seen,
       coalesce(last_seen, date_parse(hour, '%Y-%m-%d-%H') + INTERVAL '1' HOUR) AS last_seen,
       concat(CAST(flows AS VARCHAR), ' flows and ', CAST(nodata AS VARCHAR), ' NODATA windows this hour; ',
              CAST(median_flows AS VARCHAR), ' flows at this hour on a median day of the ', CAST(days AS VARCHAR),
              ' before') AS detail,
       coalesce(evidence, '') AS evidence, interface_context, CAST(NULL AS VARCHAR) AS peer_context
FROM busy
WHERE silent OR nodata >= {{ t.min_nodata }}
UNION ALL
SELECT hour, iface, account, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS INTEGER),
       CAST(NULL AS INTEGER), 'skipdata', flows, CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(skipdata AS DOUBLE),
       CAST({{ t.min_skipdata }} AS DOUBLE), first_seen, last_seen,
       concat(CAST(skipdata AS VARCHAR), ' SKIPDATA windows (records AWS skipped) and ', CAST(flows AS VARCHAR),
              ' flows this hour') AS detail,
       coalesce(evidence, ''), interface_context, peer_context
FROM current
WHERE skipdata >= {{ t.min_skipdata }}
