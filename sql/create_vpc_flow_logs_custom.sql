{#- The raw text table for a custom flow log format (vpcflow.formats.text_table_ddl fills the params),
    and the typed companion of any raw table (vpcflow.formats.typed_table_ddl: the same regex and columns,
    wide integers as BIGINT): the blog's table shape (RegexSerDe, PARTITIONED BY (IngestDateTime STRING))
    with one column per LogFormat field, in the format's order. params.columns: [{"name", "type"}]; params.regex is already
    escaped for a Hive string literal (\\s for \s). -#}
CREATE EXTERNAL TABLE IF NOT EXISTS {% if params.database %}{{ params.database }}.{% endif %}{{ params.table }} (
{% for column in params.columns -%}
{{ column.name }} {{ column.type }}{{ "," if not loop.last }}
{% endfor -%}
)
PARTITIONED BY (IngestDateTime STRING)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
    "input.regex" = "{{ params.regex }}")
LOCATION '{{ params.location }}';
