{#- Horizontal port scan (T1046): one source probing the same port on at least t.min_hosts distinct internal
    destinations in an hour (a sweep of our network for a service). Probes as in port_scan_vertical.sql.
    Ordinary clients talk to several services, each on its own port (DNS, NTP, an API): a sweep needs that
    many hosts on one port. A scan touches each host and port once or twice; health checks and monitoring,
    which revisit their targets all hour, average more than t.max_flows_per_target flows per host and port.
    One finding per source, whatever the number of ports swept. -#}
WITH {% include "detections/_flows.sql" %},
probes AS (
    SELECT * FROM flows
    WHERE logstatus = 'OK' AND protocol IN (6, 17) AND NOT src_allowed AND dst_internal
      AND (action = 'REJECT' OR (packets <= {{ t.probe_max_packets }}
                                 AND bytes <= {{ t.probe_max_packet_bytes }} * packets))
      AND sport >= 1024 AND NOT (sport < 32768 AND dport >= 32768)
      {{ run.not_allowed_port("dport") }}
), swept AS (
    SELECT hour, src AS sweeper, dport AS swept_port
    FROM probes
    GROUP BY hour, src, dport
    HAVING count(DISTINCT dst) >= {{ t.min_hosts }}
       AND count(*) <= {{ t.max_flows_per_target }} * count(DISTINCT dst)
)
SELECT p.hour, min(p.interfaceid) AS interfaceid, min(p.account) AS account, p.src AS source,
       CAST(NULL AS VARCHAR) AS destination,
       CASE WHEN count(DISTINCT p.dport) = 1 THEN min(p.dport) END AS port, min(p.protocol) AS protocol,
       CAST(NULL AS VARCHAR) AS subtype,
       count(*) AS flows, sum(p.packets) AS packets, sum(p.bytes) AS bytes,
       CAST(count(DISTINCT p.dst) AS DOUBLE) AS score, CAST({{ t.min_hosts }} AS DOUBLE) AS threshold,
       min(p.start_time) AS first_seen, max(p.end_time) AS last_seen,
       concat(CAST(count(DISTINCT p.dst) AS VARCHAR), ' hosts probed by ', p.src, ' on port(s) ',
              array_join(array_sort(array_agg(DISTINCT CAST(p.dport AS VARCHAR))), ', '), ' in ',
              CAST(count(*) AS VARCHAR), ' flows, ', CAST(count_if(p.action = 'REJECT') AS VARCHAR),
              ' rejected') AS detail,
       {{ run.evidence() }} AS evidence,
       {{ run.enrichment(["p.src"], "p") }}
FROM probes p
JOIN swept s ON s.hour = p.hour AND s.sweeper = p.src AND s.swept_port = p.dport
GROUP BY p.hour, p.src
