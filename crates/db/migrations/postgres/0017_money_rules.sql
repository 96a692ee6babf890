-- Money exactly as the cities' rules say (issue #22): the level bonus inside each subsidy, so the
-- per-enterprise cap counts an enterprise's other projects' capped amounts and grants the bonus once.
ALTER TABLE subsidies ADD COLUMN bonus_fen BIGINT NOT NULL DEFAULT 0;
