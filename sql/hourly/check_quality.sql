{#- Every quality check of hour H in one scan. Rows are grouped by all their columns first so duplicates
    are counted in the same pass; each count is then a weighted sum over the groups. A RegexSerDe row whose
    line did not match the regex has every column NULL: that is a malformed row. It reads the typed
    companion of the raw table (BIGINT packets, bytes and times): the blog's INT columns would show a flow
    of 2^31 bytes or more as NULL, out of reach of the domain checks. -#}
WITH hour_rows AS (
    SELECT version, account, interfaceid, sourceaddress, destinationaddress, sourceport, destinationport,
           protocol, packets, bytes, starttime, endtime, action, logstatus, count(*) AS n
    FROM {{ hour.table(hour.stack.typed_table) }}
    WHERE ingestdatetime = '{{ hour.raw_partition.value }}'
    {%- if not hour.partition_is_the_hour %}
      AND "$path" LIKE '{{ hour.raw_location }}%'
    {%- endif %}
    GROUP BY version, account, interfaceid, sourceaddress, destinationaddress, sourceport, destinationport,
             protocol, packets, bytes, starttime, endtime, action, logstatus
), classified AS (
    SELECT *,
           (version IS NULL AND account IS NULL AND interfaceid IS NULL AND logstatus IS NULL
            AND starttime IS NULL AND endtime IS NULL) AS malformed,
           coalesce(logstatus = 'OK', false) AS ok
    FROM hour_rows
)
SELECT
    sum(n) AS total_rows,
    sum(CASE WHEN malformed THEN n ELSE 0 END) AS malformed_rows,
    sum(CASE WHEN logstatus = 'NODATA' THEN n ELSE 0 END) AS nodata_rows,
    sum(CASE WHEN logstatus = 'SKIPDATA' THEN n ELSE 0 END) AS skipdata_rows,
    sum(CASE WHEN ok AND NOT (coalesce(sourceport BETWEEN 0 AND 65535, false)
                              AND coalesce(destinationport BETWEEN 0 AND 65535, false)) THEN n ELSE 0 END) AS bad_port,
    sum(CASE WHEN ok AND NOT coalesce(protocol BETWEEN 0 AND 255, false) THEN n ELSE 0 END) AS bad_protocol,
    sum(CASE WHEN ok AND NOT coalesce(action IN ('ACCEPT', 'REJECT'), false) THEN n ELSE 0 END) AS bad_action,
    sum(CASE WHEN NOT malformed AND NOT coalesce(logstatus IN ('OK', 'NODATA', 'SKIPDATA'), false)
             THEN n ELSE 0 END) AS bad_log_status,
    sum(CASE WHEN ok AND starttime > endtime THEN n ELSE 0 END) AS bad_time_order,
    sum(CASE WHEN ok AND (packets < 0 OR bytes < 0) THEN n ELSE 0 END) AS negative_counts,
    sum(CASE WHEN ok AND (starttime < {{ hour.start_ts - hour.settings.outside_hour_tolerance_s }}
                          OR starttime >= {{ hour.end_ts + hour.settings.outside_hour_tolerance_s }})
             THEN n ELSE 0 END) AS outside_hour,
    sum(CASE WHEN NOT malformed THEN n - 1 ELSE 0 END) AS duplicate_rows
FROM classified
