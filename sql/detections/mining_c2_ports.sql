{#- Cryptomining and C2 (T1496, T1571): accepted egress from an internal source to an external destination
    on a port mining pools (t.mining_ports) or command-and-control frameworks (t.c2_ports) listen on, at
    least t.min_flows flows in an hour. Only connections we opened count: a flow from a well-known port (below
    1024) or from below the ephemeral range into it (below 32768 to 32768 and above) is a server's reply to a
    client that happened to pick such a port. Allowlisted destinations and ports apart. -#}
WITH {% include "detections/_flows.sql" %},
egress AS (
    SELECT * FROM flows
    WHERE logstatus = 'OK' AND action = 'ACCEPT' AND src_internal AND NOT dst_internal AND NOT dst_allowed
      AND sport >= 1024 AND NOT (sport < 32768 AND dport >= 32768) AND dport IN ({{ ints(t.mining_ports + t.c2_ports) }})
      {{ run.not_allowed_port("dport") }}
)
SELECT hour, interfaceid, min(account) AS account, min(src) AS source, dst AS destination, dport AS port,
       min(protocol) AS protocol,
       CASE WHEN dport IN ({{ ints(t.mining_ports) }}) AND dport IN ({{ ints(t.c2_ports) }}) THEN 'mining/c2'
            WHEN dport IN ({{ ints(t.mining_ports) }}) THEN 'mining' ELSE 'c2' END AS subtype,
       count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes,
       CAST(count(*) AS DOUBLE) AS score, CAST({{ t.min_flows }} AS DOUBLE) AS threshold,
       min(start_time) AS first_seen, max(end_time) AS last_seen,
       concat(CAST(count(*) AS VARCHAR), ' accepted flows from ', min(src), ' to ', dst, ':',
              CAST(dport AS VARCHAR), ', ', CAST(sum(bytes) AS VARCHAR), ' bytes') AS detail,
       {{ run.evidence() }} AS evidence,
       {{ run.enrichment(["dst"]) }}
FROM egress
GROUP BY hour, interfaceid, dst, dport
HAVING count(*) >= {{ t.min_flows }}
