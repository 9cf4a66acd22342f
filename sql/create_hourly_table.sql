{#- A table vpcflow_hourly fills beside the flows, one Parquet partition per ingest hour at a fixed key, so a
    rerun of the hour replaces its rows: the quality history (one row per check), each hour's object
    manifest (what its run read: reconciliation compares it with S3), and the lines no format could read.
    params.columns: [{"name", "type"}]. -#}
CREATE EXTERNAL TABLE IF NOT EXISTS {% if params.database %}{{ params.database }}.{% endif %}{{ params.table }} (
{% for column in params.columns -%}
{{ column.name }} {{ column.type }}{{ "," if not loop.last }}
{% endfor -%}
)
PARTITIONED BY (IngestDateTime STRING)
STORED AS PARQUET
LOCATION '{{ params.location }}';
