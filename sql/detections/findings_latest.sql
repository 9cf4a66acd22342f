{#- The current state of every finding seen since hour params.since: the latest row of each finding_id in
    vpc_flow_findings (one row per finding, however many hours its incident spans). What `vpcflow findings`
    lists, and the shape a findings panel reads. params.detector / params.severity narrow it (validated by
    vpcflow.detections.listing). -#}
SELECT *
FROM (
    SELECT f.*,
           row_number() OVER (PARTITION BY finding_id ORDER BY ingestdatetime DESC) AS latest,
           CASE severity WHEN 'CRITICAL' THEN 4 WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 WHEN 'LOW' THEN 1
                ELSE 0 END AS severity_rank
    FROM {{ params.database }}.vpc_flow_findings f
    WHERE ingestdatetime >= '{{ params.since }}'
    {%- if params.detector %}
      AND detector = '{{ params.detector }}'
    {%- endif %}
    {%- if params.finding_id %}
      AND finding_id = '{{ params.finding_id }}'
    {%- endif %}
)
WHERE latest = 1
{%- if params.severity %}
  AND severity_rank >= {{ params.severity }}
{%- endif %}
ORDER BY ingestdatetime DESC, severity_rank DESC, detector, finding_id
