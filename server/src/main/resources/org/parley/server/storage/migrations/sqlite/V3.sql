-- Version 3: only members of a group's current epoch change it. Each group keeps the public
-- commit key of its current epoch (Ed25519, 32 bytes, derived by the members from the epoch's MLS
-- exporter); the next commit must be signed with it. NULL for groups made before this version:
-- such a group accepts one unsigned commit, which registers its key.
ALTER TABLE mls_groups ADD COLUMN commit_key BLOB;
