{#- First-seen external peer on a sensitive port (T1133): an accepted flow between one of our interfaces and
    an external address on a sensitive port (t.ports: SSH, RDP, databases...) when that peer was not seen on
    that interface and port in the baselines' window. Interfaces with fewer than t.min_history_hours hours
    of baselines are not judged (everything is new to a new deployment). Allowlisted peers and ports
    apart. -#}
WITH {% include "detections/_flows.sql" %},
peers AS (
    SELECT hour, interfaceid, account, start_time, end_time, packets, bytes, starttime, src, sport, dst, dport,
           protocol, action, logstatus, interface_instance_id, interface_vpc_id,
           interface_subnet_id, peer_address, peer_country, peer_country_name, peer_as_org, peer_aws_service,
           CASE WHEN dst_internal THEN src ELSE dst END AS peer,
           CASE WHEN dst_internal THEN dst ELSE src END AS ours,
           CASE WHEN dport IN ({{ ints(run.sensitive_ports) }}) THEN dport ELSE sport END AS service_port,
           dst_internal AS inbound
    FROM flows
    WHERE logstatus = 'OK' AND action = 'ACCEPT' AND src_internal <> dst_internal
      AND (dport IN ({{ ints(run.sensitive_ports) }}) OR sport IN ({{ ints(run.sensitive_ports) }}))
      AND NOT (CASE WHEN dst_internal THEN src_allowed ELSE dst_allowed END)
), current AS (
    SELECT DISTINCT hour, interfaceid, peer, service_port FROM peers
), history AS (
    SELECT c.hour, c.interfaceid, c.peer, c.service_port,
           count(DISTINCT CASE WHEN b.metric = 'iface' THEN b.ingestdatetime END) AS known_hours,
           count_if(b.metric = 'peer' AND b.address = c.peer AND b.port = c.service_port) AS seen
    FROM current c
    JOIN {{ run.baselines_table }} b
      ON b.interfaceid = c.interfaceid
     AND b.ingestdatetime BETWEEN '{{ run.lookback_first }}' AND '{{ run.last }}'
     AND {{ run.offset("b.ingestdatetime", "c.hour") }} BETWEEN 1 AND {{ run.lookback_hours }}
    GROUP BY c.hour, c.interfaceid, c.peer, c.service_port
), new_peers AS (
    SELECT * FROM history WHERE known_hours >= {{ t.min_history_hours }} AND seen = 0
)
SELECT p.hour, p.interfaceid, min(p.account) AS account, p.peer AS source, min(p.ours) AS destination,
       p.service_port AS port, min(p.protocol) AS protocol,
       CASE WHEN bool_or(p.inbound) THEN 'inbound' ELSE 'outbound' END AS subtype,
       count(*) AS flows, sum(p.packets) AS packets, sum(p.bytes) AS bytes,
       CAST(count(*) AS DOUBLE) AS score, CAST(1 AS DOUBLE) AS threshold,
       min(p.start_time) AS first_seen, max(p.end_time) AS last_seen,
       concat('first accepted traffic between ', p.peer, ' and ', min(p.ours), ' on port ',
              CAST(p.service_port AS VARCHAR), ' in ', CAST(max(n.known_hours) AS VARCHAR),
              ' hours of baselines: ', CAST(count(*) AS VARCHAR), ' flows, ', CAST(sum(p.bytes) AS VARCHAR),
              ' bytes') AS detail,
       {{ run.evidence() }} AS evidence,
       {{ run.enrichment(["p.peer"], "p") }}
FROM peers p
JOIN new_peers n ON n.hour = p.hour AND n.interfaceid = p.interfaceid AND n.peer = p.peer
                AND n.service_port = p.service_port
GROUP BY p.hour, p.interfaceid, p.peer, p.service_port
