{#- The hourly quality verdicts (the table vpcflow_hourly fills): rows, malformed, NODATA/SKIPDATA,
    duplicates and the checks that failed, one row per ingest hour. -#}
SELECT ingestdatetime,
       max(CASE WHEN check_name = 'total_rows' THEN value END) AS total_rows,
       max(CASE WHEN check_name = 'malformed_rows' THEN value END) AS malformed_rows,
       max(CASE WHEN check_name = 'nodata_rows' THEN value END) AS nodata_rows,
       max(CASE WHEN check_name = 'skipdata_rows' THEN value END) AS skipdata_rows,
       max(CASE WHEN check_name = 'duplicate_rows' THEN value END) AS duplicate_rows,
       array_join(array_sort(array_agg(CASE WHEN NOT passed THEN check_name END)), ',') AS failed_checks
FROM {{ params.database }}.{{ params.raw_table }}_quality
WHERE ingestdatetime >= date_format(date_trunc('hour', current_timestamp - interval '{{ params.hours | default(24) }}' hour), '%Y-%m-%d-%H')
GROUP BY ingestdatetime
ORDER BY ingestdatetime
