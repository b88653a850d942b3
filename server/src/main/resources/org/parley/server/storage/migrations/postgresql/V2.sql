-- Version 2: expiry walks envelopes in id order (ids are handed out in arrival order), so the
-- arrival index, paid for on every insert and delete of the hot path, is dropped.
DROP INDEX envelopes_by_arrival;
