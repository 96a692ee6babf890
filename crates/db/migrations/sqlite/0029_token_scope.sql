-- A token's scope (issue #21): NULL may do what its user may; 'readings' is a gateway's token,
-- good only for sending device readings (POST /api/v1/devices/readings).
ALTER TABLE api_tokens ADD COLUMN scope TEXT;
