{#- Bytes and flows per VPC and subnet, accepted and rejected, over the last params.hours ingest hours.
    Needs vpc-id and subnet-id in the stack's LogFormat (version 3 fields). -#}
SELECT vpc_id, subnet_id, count_if(action = 'ACCEPT') AS accepted, count_if(action = 'REJECT') AS rejected,
       sum(bytes) AS total_bytes
FROM {{ params.database }}.{{ params.parquet_table }}
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
  AND logstatus = 'OK'
GROUP BY vpc_id, subnet_id
ORDER BY total_bytes DESC NULLS LAST, vpc_id, subnet_id
LIMIT 50
