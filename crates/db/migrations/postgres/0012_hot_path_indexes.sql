-- Indexes found by the query-plan test (tests/it/query_plans.rs).

-- The retention sweep, every few minutes on every instance, finds the enterprises whose personal
-- data is past its retention period by this index instead of reading the whole table.
CREATE INDEX enterprises_pi_collected ON enterprises(pi_collected_at);
