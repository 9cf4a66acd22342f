{#- SSH/RDP brute force (T1110.001): one source opening at least t.min_attempts connections to the same
    port (t.ports) of one destination in an hour, each small (at most t.max_mean_bytes on average): password
    guessing, accepted or rejected. Sessions that do work (deployments, file copies) move more bytes per
    connection. Allowlisted sources and ports apart. -#}
WITH {% include "detections/_flows.sql" %},
attempts AS (
    SELECT * FROM flows
    WHERE logstatus = 'OK' AND protocol = 6 AND dport IN ({{ ints(t.ports) }}) AND NOT src_allowed
      {{ run.not_allowed_port("dport") }}
)
SELECT hour, min(interfaceid) AS interfaceid, min(account) AS account, src AS source, dst AS destination,
       dport AS port, 6 AS protocol, CAST(NULL AS VARCHAR) AS subtype,
       count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes,
       CAST(count(*) AS DOUBLE) AS score, CAST({{ t.min_attempts }} AS DOUBLE) AS threshold,
       min(start_time) AS first_seen, max(end_time) AS last_seen,
       concat(CAST(count(*) AS VARCHAR), ' connection attempts from ', src, ' to ', dst, ':',
              CAST(dport AS VARCHAR), ', ', CAST(count_if(action = 'REJECT') AS VARCHAR), ' rejected, ',
              CAST(sum(bytes) / count(*) AS VARCHAR), ' bytes each on average') AS detail,
       {{ run.evidence() }} AS evidence,
       {{ run.enrichment(["src", "dst"]) }}
FROM attempts
GROUP BY hour, src, dst, dport
HAVING count(*) >= {{ t.min_attempts }} AND sum(bytes) <= {{ t.max_mean_bytes }} * count(*)
