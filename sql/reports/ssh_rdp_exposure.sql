{#- SSH (22) and RDP (3389) reached from outside the private ranges (RFC 1918, IPv6 ULA fc00::/7):
    per target, how many outside flows were accepted and rejected, and from how many sources. An
    accepted row here is an instance whose SSH/RDP answers the internet. -#}
SELECT destinationaddress, destinationport,
       count_if(action = 'ACCEPT') AS accepted, count_if(action = 'REJECT') AS rejected,
       count(DISTINCT sourceaddress) AS sources
FROM {{ params.database }}.{{ params.parquet_table }}
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
  AND logstatus = 'OK' AND destinationport IN (22, 3389) AND protocol = 6
  AND NOT regexp_like(sourceaddress, '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|f[cd][0-9a-f]{2}:)')
GROUP BY destinationaddress, destinationport
ORDER BY accepted DESC, rejected DESC, destinationaddress, destinationport
