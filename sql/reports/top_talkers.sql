{#- Top talkers: source -> destination pairs by bytes over the last params.hours ingest hours. -#}
SELECT sourceaddress, destinationaddress, sum(bytes) AS total_bytes, sum(packets) AS total_packets,
       count(*) AS flows
FROM {{ params.database }}.{{ params.parquet_table }}
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
  AND logstatus = 'OK'
GROUP BY sourceaddress, destinationaddress
ORDER BY total_bytes DESC, sourceaddress, destinationaddress
LIMIT 25
