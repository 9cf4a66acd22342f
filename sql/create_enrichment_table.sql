{#- A dimension table the compaction joins (vpcflow.enrichment.tables): the interface inventory with its
    validity intervals, the VPCs' CIDRs, AWS's address ranges, geo and ASN ranges, protocol and service
    names. Small, unpartitioned, replaced whole by the task that writes it. params.columns: [{"name", "type"}]. -#}
CREATE EXTERNAL TABLE IF NOT EXISTS {% if params.database %}{{ params.database }}.{% endif %}{{ params.table }} (
{% for column in params.columns -%}
{{ column.name }} {{ column.type }}{{ "," if not loop.last }}
{% endfor -%}
)
STORED AS PARQUET
LOCATION '{{ params.location }}';
