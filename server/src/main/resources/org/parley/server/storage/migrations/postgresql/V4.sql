-- Version 4: the old link tokens are gone (see ../sqlite/V4.sql).
DROP TABLE link_tokens;
