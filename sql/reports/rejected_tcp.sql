{#- Rejected TCP (protocol 6) by destination port: what the security groups and NACLs turned away. -#}
SELECT destinationport, count(*) AS flows, count(DISTINCT sourceaddress) AS sources,
       count(DISTINCT destinationaddress) AS targets, sum(packets) AS total_packets
FROM {{ params.database }}.{{ params.parquet_table }}
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
  AND action = 'REJECT' AND protocol = 6
GROUP BY destinationport
ORDER BY flows DESC, destinationport
LIMIT 25
