{#- The Glue database that holds vpcflow's tables. -#}
CREATE DATABASE IF NOT EXISTS {{ params.database }};
