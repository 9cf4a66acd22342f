{#- Traffic to administrative and database ports, which should not face the internet: Telnet, SSH, SMB,
    RDP, VNC, MS SQL, MySQL, PostgreSQL, Redis, Elasticsearch, the Docker API. -#}
SELECT destinationport, count_if(action = 'ACCEPT') AS accepted, count_if(action = 'REJECT') AS rejected,
       count(DISTINCT sourceaddress) AS sources, count(DISTINCT destinationaddress) AS targets
FROM {{ params.database }}.{{ params.parquet_table }}
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
  AND logstatus = 'OK'
  AND destinationport IN (22, 23, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 9200)
GROUP BY destinationport
ORDER BY accepted + rejected DESC, destinationport
