"""What vpcflow_hourly does for one hour H: checks, compaction, SPICE refresh, summary."""
