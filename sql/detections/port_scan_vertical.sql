{#- Vertical port scan (T1046): one source probing at least t.min_ports distinct ports of one destination
    in an hour. A probe is a TCP/UDP flow that was rejected, or accepted but carried at most
    t.probe_max_packets packets of headers only (t.probe_max_packet_bytes bytes each: a SYN, a RST);
    flows from a well-known port (below 1024: a server's reply, an NTP or DNS peer), replies into the
    ephemeral range (from below 32768 to 32768 and above), allowlisted sources and ports are not probes.
    Health checks and monitoring revisit the same few ports all hour: a scan averages at most
    t.max_flows_per_port probes per port. -#}
WITH {% include "detections/_flows.sql" %},
probes AS (
    SELECT * FROM flows
    WHERE logstatus = 'OK' AND protocol IN (6, 17) AND NOT src_allowed
      AND (action = 'REJECT' OR (packets <= {{ t.probe_max_packets }}
                                 AND bytes <= {{ t.probe_max_packet_bytes }} * packets))
      AND sport >= 1024 AND NOT (sport < 32768 AND dport >= 32768)
      {{ run.not_allowed_port("dport") }}
)
SELECT hour, min(interfaceid) AS interfaceid, min(account) AS account, src AS source, dst AS destination,
       CAST(NULL AS INTEGER) AS port, min(protocol) AS protocol, CAST(NULL AS VARCHAR) AS subtype,
       count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes,
       CAST(count(DISTINCT dport) AS DOUBLE) AS score, CAST({{ t.min_ports }} AS DOUBLE) AS threshold,
       min(start_time) AS first_seen, max(end_time) AS last_seen,
       concat(CAST(count(DISTINCT dport) AS VARCHAR), ' ports of ', dst, ' probed by ', src, ' in ',
              CAST(count(*) AS VARCHAR), ' flows, ', CAST(count_if(action = 'REJECT') AS VARCHAR),
              ' rejected') AS detail,
       {{ run.evidence() }} AS evidence,
       {{ run.enrichment(["src", "dst"]) }}
FROM probes
GROUP BY hour, src, dst
HAVING count(DISTINCT dport) >= {{ t.min_ports }}
   AND count(*) <= {{ t.max_flows_per_port }} * count(DISTINCT dport)
