-- Version 3: groups keep their current epoch's commit key (see ../sqlite/V3.sql).
ALTER TABLE mls_groups ADD COLUMN commit_key BYTEA;
