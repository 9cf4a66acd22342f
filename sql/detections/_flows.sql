{#- The run's hours of the Parquet table as every detector reads them (included as a CTE): the flow's
    fields, AWS's missing log status as OK, and whether each end is ours (internal networks) or
    allowlisted (known scanners, allowlisted networks). Only the hours judged are read.
    Also what compaction's enrichment says of the interface and of the far side (NULL in hours compacted
    before it): findings carry it (run.enrichment); no detector judges by it. -#}
flow_rows AS (
    SELECT ingestdatetime AS hour, interfaceid, account, sourceaddress AS src, destinationaddress AS dst,
           sourceport AS sport, destinationport AS dport, protocol, packets, bytes, starttime, action,
           coalesce(logstatus, 'OK') AS logstatus, start_time, end_time,
           {{ run.ipv4_number("sourceaddress") }} AS src_number,
           {{ run.ipv4_number("destinationaddress") }} AS dst_number,
           interface_instance_id, interface_vpc_id, interface_subnet_id,
           peer_address, peer_country, peer_country_name, peer_as_org, peer_aws_service
    FROM {{ run.parquet_table }}
    WHERE ingestdatetime IN ({{ run.hours_sql }})
), flows AS (
    SELECT *,
           {{ run.is_internal("src", "src_number") }} AS src_internal,
           {{ run.is_internal("dst", "dst_number") }} AS dst_internal,
           {{ run.is_allowed("src", "src_number") }} AS src_allowed,
           {{ run.is_allowed("dst", "dst_number") }} AS dst_allowed
    FROM flow_rows
)
