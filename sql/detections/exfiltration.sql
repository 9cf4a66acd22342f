{#- Exfiltration (T1048): an internal source sending more to one external destination in an hour than it
    usually does at that time of day. For each previous day of the baselines' window, the source's largest
    destination (top_bytes of vpc_flow_baselines) at the same hour of day +-1 is that day's peak; the
    baseline is the second-highest daily peak (the only one when there is one day), so a nightly backup,
    or any peak that recurs, is its own precedent, while one earlier incident does not hide the next. A
    finding needs at least t.min_bytes and t.ratio times the baseline; an interface without
    t.min_history_hours such hours in the baselines is judged against t.cold_start_bytes alone.
    Allowlisted destinations apart. -#}
WITH {% include "detections/_flows.sql" %},
egress AS (
    SELECT * FROM flows
    WHERE logstatus = 'OK' AND action = 'ACCEPT' AND src_internal AND NOT dst_internal AND NOT dst_allowed
), pairs AS (
    SELECT hour, interfaceid, src, dst, sum(bytes) AS bytes
    FROM egress
    GROUP BY hour, interfaceid, src, dst
), current AS (
    SELECT p.hour, p.interfaceid, p.src AS sender, max_by(p.dst, p.bytes) AS top_peer,
           max(p.bytes) AS top_bytes, count(*) AS peers
    FROM pairs p
    GROUP BY p.hour, p.interfaceid, p.src
), days AS (
    SELECT c.hour, c.interfaceid, c.sender,
           ({{ run.offset("b.ingestdatetime", "c.hour") }} + 1) / 24 AS days_back,
           coalesce(max(CASE WHEN b.metric = 'egress' AND b.address = c.sender THEN b.top_bytes END), 0) AS peak,
           count(DISTINCT CASE WHEN b.metric = 'iface' THEN b.ingestdatetime END) AS known_hours
    FROM current c
    JOIN {{ run.baselines_table }} b
      ON b.interfaceid = c.interfaceid
     AND b.ingestdatetime IN ({{ run.seasonal_sql(1) }})
     AND {{ run.offset("b.ingestdatetime", "c.hour") }} BETWEEN 23 AND {{ run.lookback_hours + 1 }}
     AND {{ run.offset("b.ingestdatetime", "c.hour") }} % 24 IN (23, 0, 1)
    GROUP BY c.hour, c.interfaceid, c.sender, ({{ run.offset("b.ingestdatetime", "c.hour") }} + 1) / 24
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY hour, interfaceid, sender ORDER BY peak DESC, days_back) AS rank
    FROM days
), seasonal AS (
    SELECT hour, interfaceid, sender, sum(known_hours) AS known_hours,
           coalesce(max(CASE WHEN rank = 2 THEN peak END), max(peak)) AS base_top
    FROM ranked
    GROUP BY hour, interfaceid, sender
), judged AS (
    SELECT c.*, coalesce(s.base_top, 0) AS base_top, coalesce(s.known_hours, 0) AS known_hours,
           CASE WHEN coalesce(s.known_hours, 0) >= {{ t.min_history_hours }}
                THEN greatest({{ t.min_bytes }}, {{ t.ratio }} * coalesce(s.base_top, 0))
                ELSE {{ t.cold_start_bytes }} END AS needed
    FROM current c
    LEFT JOIN seasonal s ON s.hour = c.hour AND s.interfaceid = c.interfaceid AND s.sender = c.sender
), hits AS (
    SELECT * FROM judged WHERE top_bytes >= needed
)
SELECT h.hour, h.interfaceid, min(e.account) AS account, h.sender AS source, h.top_peer AS destination,
       CAST(NULL AS INTEGER) AS port, CAST(NULL AS INTEGER) AS protocol, CAST(NULL AS VARCHAR) AS subtype,
       count(*) AS flows, sum(e.packets) AS packets, sum(e.bytes) AS bytes,
       CAST(h.top_bytes AS DOUBLE) AS score, CAST(h.needed AS DOUBLE) AS threshold,
       min(e.start_time) AS first_seen, max(e.end_time) AS last_seen,
       concat(CAST(h.top_bytes AS VARCHAR), ' bytes from ', h.sender, ' to ', h.top_peer, ' (',
              CAST(h.peers AS VARCHAR), ' external destinations); its usual peak at this time of day is ',
              CAST(h.base_top AS VARCHAR), ' bytes (second-highest of the previous days; ',
              CAST(h.known_hours AS VARCHAR), ' hours known)') AS detail,
       {{ run.evidence("bytes DESC") }} AS evidence,
       {{ run.enrichment(["h.top_peer"], "e") }}
FROM hits h
JOIN egress e ON e.hour = h.hour AND e.interfaceid = h.interfaceid AND e.src = h.sender
GROUP BY h.hour, h.interfaceid, h.sender, h.top_peer, h.top_bytes, h.needed, h.peers, h.base_top, h.known_hours
