{#- Every quality check of hour H in one scan (vpcflow.hourly.quality.CHECKS, those the flow-log format
    has the fields for). Rows are grouped by all their columns first, so duplicates are counted in the same
    pass and each count is a weighted sum over the groups. A line the RegexSerDe cannot read has every
    column NULL: that is a malformed row. It reads the typed companion of the raw table: full 64-bit
    counts and times, and one token per field whatever it holds (AWS writes 'unknown' as the account of
    interfaces services own), so the checks, not the pattern, judge the values. -#}
WITH hour_rows AS (
    SELECT {{ hour.columns | join(", ") }}, count(*) AS n
    FROM {{ hour.table(hour.stack.typed_table) }}
    WHERE ingestdatetime = '{{ hour.raw_partition.value }}'
    {%- if not hour.partition_is_the_hour %}
      AND "$path" LIKE '{{ hour.raw_location }}%'
    {%- endif %}
    GROUP BY {{ hour.columns | join(", ") }}
), classified AS (
    SELECT *, ({{ hour.malformed_sql }}) AS malformed
    FROM hour_rows
)
SELECT
    coalesce(sum(n), 0) AS total_rows
    {%- for name, expression in hour.quality_counts %},
    coalesce({{ expression }}, 0) AS {{ name }}
    {%- endfor %}
FROM classified
