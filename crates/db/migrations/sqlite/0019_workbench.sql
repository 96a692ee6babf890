-- The workbench (工作台) reads each queue by state first, then the caller's region or owner, and
-- the caller's own steps (已办) by actor: indexes that start with what those reads fix.
CREATE INDEX enrolments_status_region ON enrolments(status, region_code, id);
CREATE INDEX projects_status_region ON projects(status, region_code, id);
CREATE INDEX projects_enterprise ON projects(enterprise_id, status, id);
CREATE INDEX acceptances_status_region ON acceptances(status, region_code, id);
CREATE INDEX acceptances_enterprise ON acceptances(enterprise_id, id);
CREATE INDEX subsidies_status_region ON subsidies(status, region_code, id);
CREATE INDEX objections_status ON objections(status, id);
CREATE INDEX integrity_flags_status_region ON integrity_flags(status, region_code, id);
CREATE INDEX enterprise_claims_status_region ON enterprise_claims(status, region_code, id);
CREATE INDEX workflow_events_actor ON workflow_events(actor, id);
