-- The roll-ups now count 专精特新 enterprises (srdi, srdi_ge2). Dropping the facts rows makes the
-- server rebuild every counter from the records at its next start (dashboard::ensure_built).
DELETE FROM enterprise_facts;
DELETE FROM project_facts;
