-- Version 4: the old linking direction is gone. A row in link_tokens let whoever could write to
-- this database add a device to any account; devices now join only through a code that a
-- signed-in device of the account approves, held in memory, and clients accept a device only with
-- the account key's signature.
DROP TABLE link_tokens;
