-- An idempotency key names one command: the digest of the command it was
-- first used with (procedure.CommandDigest). Keys stored before have none
-- and keep replaying on their case.
ALTER TABLE commands ADD COLUMN digest TEXT;
