{#- The blog's partitioned vpc_flow_logs table, verbatim: RegexSerDe over the 14 default (v2) fields.
    Only the database, table and location are parameters; rendered for table vpc_flow_logs without a
    database it is byte-identical to the blog (tests/sql/test_sql_files.py). Keep the doubled backslashes:
    Hive unescapes the string literal, so \\s reaches the SerDe as \s. Custom LogFormats use
    create_vpc_flow_logs_custom.sql instead (vpcflow.formats.text_table_ddl chooses). -#}
CREATE EXTERNAL TABLE IF NOT EXISTS {% if params.database %}{{ params.database }}.{% endif %}{{ params.table }} (
Version INT,
Account STRING,
InterfaceId STRING,
SourceAddress STRING,
DestinationAddress STRING,
SourcePort INT,
DestinationPort INT,
Protocol INT,
Packets INT,
Bytes INT,
StartTime INT,
EndTime INT,
Action STRING,
LogStatus STRING
)
PARTITIONED BY (IngestDateTime STRING)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
    "input.regex" = "^([^ ]+)\\s+([0-9]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([^ ]+)\\s+([0-9]+)\\s+([0-9]+)\\s+([^ ]+)\\s+([^ ]+)$") 
LOCATION '{{ params.location }}';
