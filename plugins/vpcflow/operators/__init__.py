"""vpcflow's operators: the Amazon provider's, extended where vpcflow needs more."""
