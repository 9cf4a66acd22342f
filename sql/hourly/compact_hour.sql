{#- Hour H's distinct records, typed, as Parquet (ZSTD) in a location of this try's own: vpcflow.hourly.
    compaction switches the Parquet table's partition for H to it once this statement has finished, so no
    reader ever sees half an hour or an hour twice; a retry writes to a new location. DISTINCT: at-least-
    once delivery (Lambda retries, resent batches) writes some records twice, and each is one flow. The
    columns are the Parquet table's, in its order, built from the format's fields (formats.parquet_select).
    Malformed lines (every column NULL) stay out; NODATA and SKIPDATA records, which AWS writes on purpose,
    go in.
    Enrichment (vpcflow.enrichment.compaction_sql, as ``enrich``) is joined here, in Athena: the interface
    inventory valid in hour H; the direction from the VPC's CIDR blocks; for each distinct peer address once,
    AWS's ranges and the geo ranges by an equi-join on the address's bucket plus a range check on its hex;
    IANA's protocol and service names; the Community ID. -#}
CREATE TABLE {{ compaction.table }}
WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = '{{ compaction.location }}')
AS
WITH flows AS (
    SELECT DISTINCT
        {{ hour.parquet_select | join(",\n        ") }}
    FROM {{ hour.table(hour.stack.typed_table) }}
    WHERE ingestdatetime = '{{ hour.raw_partition.value }}'
{%- if not hour.partition_is_the_hour %}
      AND "$path" LIKE '{{ hour.raw_location }}%'
{%- endif %}
      AND NOT ({{ hour.malformed_sql }})
)
{%- set enrich = hour.enrichment %}
{%- if enrich.enabled %}, addressed AS (
    SELECT f.*,
           {{ enrich.address_hex("f.sourceaddress") }} AS src_hex,
           {{ enrich.address_hex("f.destinationaddress") }} AS dst_hex,
           {{ enrich.vpc }} AS flow_vpc,
           ni.account AS ni_account, ni.vpc_id AS ni_vpc_id, ni.subnet_id AS ni_subnet_id,
           ni.availability_zone AS ni_az, ni.instance_id AS ni_instance_id, ni.interface_type AS ni_type,
           ni.requester AS ni_requester, ni.security_groups AS ni_security_groups,
           ni.description AS ni_description
    FROM flows f
    LEFT JOIN {{ enrich.interfaces }} ni ON ni.interface_id = f.interfaceid AND {{ enrich.valid("ni") }}
), cidrs AS (
    SELECT c.vpc_id, c.first_hex, c.last_hex FROM {{ enrich.vpc_cidrs }} c WHERE {{ enrich.valid("c") }}
), inside AS (
    -- Each (VPC, address) of the hour once, with whether one of the VPC's blocks holds it.
    SELECT DISTINCT e.flow_vpc, e.address_hex
    FROM (
        SELECT flow_vpc, src_hex AS address_hex FROM addressed
        UNION
        SELECT flow_vpc, dst_hex FROM addressed
    ) e
    JOIN cidrs c ON c.vpc_id = e.flow_vpc AND e.address_hex BETWEEN c.first_hex AND c.last_hex
), directed AS (
    SELECT a.*,
           CASE WHEN si.address_hex IS NOT NULL AND di.address_hex IS NOT NULL THEN 'internal'
                WHEN {{ enrich.flow_direction }} IS NOT NULL THEN {{ enrich.flow_direction }}
                WHEN di.address_hex IS NOT NULL THEN 'ingress'
                WHEN si.address_hex IS NOT NULL THEN 'egress' END AS direction
    FROM addressed a
    LEFT JOIN inside si ON si.flow_vpc = a.flow_vpc AND si.address_hex = a.src_hex
    LEFT JOIN inside di ON di.flow_vpc = a.flow_vpc AND di.address_hex = a.dst_hex
), peered AS (
    SELECT d.*,
           CASE d.direction WHEN 'ingress' THEN 'src' WHEN 'egress' THEN 'dst' WHEN 'internal' THEN NULL
                ELSE CASE WHEN {{ enrich.private("d.src_hex") }} THEN 'dst' ELSE 'src' END END AS peer_side
    FROM directed d
), x AS (
    SELECT p.*,
           CASE p.peer_side WHEN 'src' THEN p.src_hex WHEN 'dst' THEN p.dst_hex END AS peer_hex,
           CASE p.peer_side WHEN 'src' THEN p.sourceaddress WHEN 'dst' THEN p.destinationaddress END AS peer
    FROM peered p
), peers AS (
    SELECT DISTINCT peer_hex, {{ enrich.bucket("peer_hex") }} AS bucket FROM x WHERE peer_hex IS NOT NULL
), aws AS (
    -- The most specific prefix holding the peer; a named service before AWS's catch-all AMAZON.
    SELECT peer_hex, service, region
    FROM (
        SELECT p.peer_hex, r.service, r.region,
               row_number() OVER (
                   PARTITION BY p.peer_hex
                   ORDER BY r.prefix_length DESC, CASE WHEN r.service = 'AMAZON' THEN 1 ELSE 0 END, r.service
               ) AS pick
        FROM peers p
        JOIN {{ enrich.aws_ranges }} r ON r.bucket = p.bucket AND p.peer_hex BETWEEN r.first_hex AND r.last_hex
    ) ranked
    WHERE pick = 1
), geo AS (
    SELECT p.peer_hex, g.country_code, g.country_name, g.as_org
    FROM peers p
    JOIN {{ enrich.geo }} g ON g.bucket = p.bucket AND p.peer_hex BETWEEN g.first_hex AND g.last_hex
)
SELECT
    {% for column in hour.parquet_column_names %}x.{{ column }},
    {% endfor -%}
    x.ni_account AS interface_account,
    x.flow_vpc AS interface_vpc_id,
    x.ni_subnet_id AS interface_subnet_id,
    x.ni_az AS interface_az,
    x.ni_instance_id AS interface_instance_id,
    x.ni_type AS interface_type,
    x.ni_requester AS interface_requester,
    x.ni_security_groups AS interface_security_groups,
    x.ni_description AS interface_description,
    x.direction,
    x.peer AS peer_address,
    CASE WHEN x.direction = 'internal' THEN 'private'
         WHEN x.peer_hex IS NULL THEN NULL
         WHEN coalesce(CASE x.peer_side WHEN 'src' THEN {{ enrich.src_service }} ELSE {{ enrich.dst_service }} END,
                       aws.service) IS NOT NULL THEN 'aws'
         WHEN {{ enrich.private("x.peer_hex") }} THEN 'private'
         ELSE 'public' END AS peer_scope,
    coalesce(CASE x.peer_side WHEN 'src' THEN {{ enrich.src_service }} ELSE {{ enrich.dst_service }} END,
             aws.service) AS peer_aws_service,
    aws.region AS peer_aws_region,
    geo.country_code AS peer_country,
    geo.country_name AS peer_country_name,
    geo.as_org AS peer_as_org,
    pr.name AS protocol_keyword,
    coalesce(sd.name, ss.name) AS service_name,
    {{ enrich.community_id }} AS community_id
FROM x
LEFT JOIN aws ON aws.peer_hex = x.peer_hex
LEFT JOIN geo ON geo.peer_hex = x.peer_hex
LEFT JOIN {{ enrich.protocols }} pr ON pr.number = x.protocol
LEFT JOIN {{ enrich.services }} sd ON sd.port = x.destinationport AND sd.protocol = x.protocol
LEFT JOIN {{ enrich.services }} ss ON ss.port = x.sourceport AND ss.protocol = x.protocol
{%- else %}
SELECT flows.*,
    {{ enrich.null_columns | join(",\n    ") }}
FROM flows
{%- endif %}
