{#- IPv4 vs IPv6: flows, packets and bytes by the source address's family. -#}
SELECT CASE WHEN strpos(sourceaddress, ':') > 0 THEN 'IPv6' ELSE 'IPv4' END AS ip_version,
       count(*) AS flows, sum(packets) AS total_packets, sum(bytes) AS total_bytes
FROM {{ params.database }}.{{ params.parquet_table }}
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
  AND logstatus = 'OK'
GROUP BY 1
ORDER BY 1
