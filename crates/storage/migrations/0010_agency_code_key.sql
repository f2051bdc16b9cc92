-- One key per agency whichever form its identifier code is written in: the canonical spelling of
-- the code (`000.00.13.H41` and `H41.13` both `H41.13`, domain `agency_code::code_key`), unique, so
-- that one agency cannot be registered twice under two forms even by two requests at once, and
-- lookups by code find the agency from either spelling. Filled for existing rows by the runner
-- (storage `org::fill_code_keys`), which computes the key in Rust.
ALTER TABLE agencies ADD COLUMN code_key TEXT;
CREATE UNIQUE INDEX agencies_code_key_idx ON agencies (code_key);
