{#- The compacted, typed table the hourly DAG fills, one Parquet partition per ingest hour.
    Column names follow the blog's (lower-cased, as Glue stores them) so its queries run unchanged here;
    packets and bytes are BIGINT because the blog's INT overflows past 2^31 bytes in one flow, and the
    capture window is kept both as Unix seconds (starttime/endtime) and as TIMESTAMPs.
    params.extra_columns: fields of a custom LogFormat beyond version 2, then the enrichment's columns
    (vpcflow.enrichment.columns), [{"name", "type"}]. -#}
CREATE EXTERNAL TABLE IF NOT EXISTS {% if params.database %}{{ params.database }}.{% endif %}{{ params.table }} (
version INT,
account STRING,
interfaceid STRING,
sourceaddress STRING,
destinationaddress STRING,
sourceport INT,
destinationport INT,
protocol INT,
packets BIGINT,
bytes BIGINT,
starttime BIGINT,
endtime BIGINT,
action STRING,
logstatus STRING,
start_time TIMESTAMP,
end_time TIMESTAMP
{%- for column in params.extra_columns or [] %},
{{ column.name }} {{ column.type }}
{%- endfor %}
)
PARTITIONED BY (IngestDateTime STRING)
STORED AS PARQUET
LOCATION '{{ params.location }}';
