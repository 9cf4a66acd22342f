{#- Port scan suspects: sources whose rejected flows hit at least params.min_ports (default 20) distinct
    destination ports. Only rejects count, so busy servers answering on ephemeral ports never qualify. -#}
SELECT sourceaddress, count(DISTINCT destinationport) AS distinct_ports,
       count(DISTINCT destinationaddress) AS targets, count(*) AS rejected_flows,
       min(start_time) AS first_seen, max(end_time) AS last_seen
FROM {{ params.database }}.{{ params.parquet_table }}
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
  AND action = 'REJECT'
GROUP BY sourceaddress
HAVING count(DISTINCT destinationport) >= {{ params.min_ports | default(20) }}
ORDER BY distinct_ports DESC, sourceaddress
