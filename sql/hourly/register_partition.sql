{#- Registers the raw partition that holds hour H (Hour/Day/Month as configured), with the mapping the
    athena_partitioner Lambda uses (vpcflow.partitions). ADD IF NOT EXISTS: a rerun changes nothing. -#}
{{ hour.add_raw_partition_sql(hour.stack.raw_table) }}
