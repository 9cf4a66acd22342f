{#- REJECT surge per interface (T1498): rejected flows on one interface in an hour (allowlisted sources
    apart) at least t.min_rejects and t.ratio times its hourly mean over the baselines' window; an
    interface without baselines is judged against t.cold_start_rejects. Integer arithmetic, so a rerun
    compares exactly the same numbers. -#}
WITH {% include "detections/_flows.sql" %},
rejected AS (
    SELECT * FROM flows WHERE logstatus = 'OK' AND action = 'REJECT' AND NOT src_allowed
), current AS (
    SELECT hour, interfaceid AS iface, count(*) AS rejects FROM rejected GROUP BY hour, interfaceid
), history AS (
    SELECT c.hour, c.iface, count(b.ingestdatetime) AS known_hours, coalesce(sum(b.rejects), 0) AS past_rejects
    FROM current c
    JOIN {{ run.baselines_table }} b
      ON b.metric = 'iface' AND b.interfaceid = c.iface
     AND b.ingestdatetime BETWEEN '{{ run.lookback_first }}' AND '{{ run.last }}'
     AND {{ run.offset("b.ingestdatetime", "c.hour") }} BETWEEN 1 AND {{ run.lookback_hours }}
    GROUP BY c.hour, c.iface
), hits AS (
    SELECT c.hour, c.iface, c.rejects, coalesce(h.known_hours, 0) AS known_hours,
           coalesce(h.past_rejects, 0) AS past_rejects
    FROM current c
    LEFT JOIN history h ON h.hour = c.hour AND h.iface = c.iface
    WHERE CASE WHEN coalesce(h.known_hours, 0) = 0 THEN c.rejects >= {{ t.cold_start_rejects }}
               ELSE c.rejects >= {{ t.min_rejects }}
                    AND c.rejects * h.known_hours >= {{ t.ratio }} * h.past_rejects END
)
SELECT h.hour, h.iface AS interfaceid, min(r.account) AS account, CAST(NULL AS VARCHAR) AS source,
       min(r.dst) AS destination, CAST(NULL AS INTEGER) AS port, CAST(NULL AS INTEGER) AS protocol,
       CAST(NULL AS VARCHAR) AS subtype,
       count(*) AS flows, sum(r.packets) AS packets, sum(r.bytes) AS bytes,
       CAST(h.rejects AS DOUBLE) AS score,
       CAST(CASE WHEN h.known_hours = 0 THEN {{ t.cold_start_rejects }}
                 ELSE greatest({{ t.min_rejects }}, {{ t.ratio }} * h.past_rejects / h.known_hours) END
            AS DOUBLE) AS threshold,
       min(r.start_time) AS first_seen, max(r.end_time) AS last_seen,
       concat(CAST(h.rejects AS VARCHAR), ' rejected flows from ', CAST(count(DISTINCT r.src) AS VARCHAR),
              ' sources on ', CAST(count(DISTINCT r.dport) AS VARCHAR), ' port(s); ',
              CAST(h.past_rejects AS VARCHAR), ' in the ', CAST(h.known_hours AS VARCHAR),
              ' hours before') AS detail,
       {{ run.evidence() }} AS evidence,
       {{ run.enrichment(alias="r") }}
FROM hits h
JOIN rejected r ON r.hour = h.hour AND r.interfaceid = h.iface
GROUP BY h.hour, h.iface, h.rejects, h.known_hours, h.past_rejects
