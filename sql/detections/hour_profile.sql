{#- Each judged hour's profile, stored in vpc_flow_baselines (one partition per hour) so that baselines are
    computed from these small rows, never by reading old flows again:
    - iface: per interface, its flows (log status OK), rejected flows (allowlisted sources apart), NODATA
      and SKIPDATA windows, bytes;
    - egress: per interface and internal source, bytes sent to external destinations (allowlisted ones
      apart), the bytes to its largest destination (top_bytes) and how many destinations;
    - peer: per interface, external peer and sensitive port, the accepted flows (the first-seen detector's
      memory). -#}
WITH {% include "detections/_flows.sql" %},
egress_pairs AS (
    SELECT hour, interfaceid, max(account) AS account, src, dst, sum(bytes) AS bytes, count(*) AS flows
    FROM flows
    WHERE logstatus = 'OK' AND action = 'ACCEPT' AND src_internal AND NOT dst_internal AND NOT dst_allowed
    GROUP BY hour, interfaceid, src, dst
), peers AS (
    SELECT hour, interfaceid, account,
           CASE WHEN dst_internal THEN src ELSE dst END AS peer,
           CASE WHEN dport IN ({{ ints(sensitive_ports) }}) THEN dport ELSE sport END AS service_port,
           bytes
    FROM flows
    WHERE logstatus = 'OK' AND action = 'ACCEPT' AND src_internal <> dst_internal
      AND (dport IN ({{ ints(sensitive_ports) }}) OR sport IN ({{ ints(sensitive_ports) }}))
      AND NOT (CASE WHEN dst_internal THEN src_allowed ELSE dst_allowed END)
)
SELECT hour, 'iface' AS metric, interfaceid, max(account) AS account, CAST(NULL AS VARCHAR) AS address,
       CAST(NULL AS INTEGER) AS port, count_if(logstatus = 'OK') AS flows,
       count_if(logstatus = 'OK' AND action = 'REJECT' AND NOT src_allowed) AS rejects,
       count_if(logstatus = 'NODATA') AS nodata, count_if(logstatus = 'SKIPDATA') AS skipdata,
       coalesce(sum(bytes), 0) AS bytes, CAST(0 AS BIGINT) AS top_bytes, CAST(0 AS BIGINT) AS peers
FROM flows
GROUP BY hour, interfaceid
UNION ALL
SELECT hour, 'egress', interfaceid, max(account), src, CAST(NULL AS INTEGER), sum(flows), CAST(0 AS BIGINT),
       CAST(0 AS BIGINT), CAST(0 AS BIGINT), sum(bytes), max(bytes), count(*)
FROM egress_pairs
GROUP BY hour, interfaceid, src
UNION ALL
SELECT hour, 'peer', interfaceid, max(account), peer, service_port, count(*), CAST(0 AS BIGINT),
       CAST(0 AS BIGINT), CAST(0 AS BIGINT), sum(bytes), CAST(0 AS BIGINT), CAST(0 AS BIGINT)
FROM peers
GROUP BY hour, interfaceid, peer, service_port
