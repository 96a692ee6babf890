-- One roll-up system: every counter is a dashboard counter (`e.*` per enterprise facts, `p.*` per
-- project facts), recomputed and checked by `dengta rollups check`. The older counters written
-- beside them (enterprises, cloud_enterprises, assessments_level_*, assessments_month_*, gap_*)
-- go; the demand for solutions is now `e.gap:{scene}:{division}`. Clearing the facts makes the
-- server rebuild every counter from the records once, at its next start.
DELETE FROM rollups WHERE metric NOT LIKE 'e.%' AND metric NOT LIKE 'p.%';
DELETE FROM enterprise_facts;
