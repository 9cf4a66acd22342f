{#- Bytes to and from AWS services, ingress vs egress, over the last params.hours ingest hours: which traffic
    could use a VPC endpoint instead of the internet. Needs flow-direction, pkt-src-aws-service and
    pkt-dst-aws-service in the stack's LogFormat (version 5 fields). -#}
SELECT flow_direction, coalesce(pkt_src_aws_service, pkt_dst_aws_service) AS aws_service,
       count(*) AS flows, sum(bytes) AS total_bytes
FROM {{ params.database }}.{{ params.parquet_table }}
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
  AND logstatus = 'OK'
  AND (pkt_src_aws_service IS NOT NULL OR pkt_dst_aws_service IS NOT NULL)
GROUP BY flow_direction, coalesce(pkt_src_aws_service, pkt_dst_aws_service)
ORDER BY total_bytes DESC NULLS LAST, flow_direction, aws_service
