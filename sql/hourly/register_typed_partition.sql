{#- Registers hour H's raw partition in the typed companion table too (same objects, same mapping as
    register_partition.sql), so check_quality and compact_hour read full 64-bit packets and bytes. -#}
{{ hour.add_raw_partition_sql(hour.stack.typed_table) }}
