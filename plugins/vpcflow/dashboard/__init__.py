"""vpcflow's QuickSight dashboard as code: the definition, its provisioning hook, and the local page."""
