-- SCRAM credentials (RFC 5802), one row per user and mechanism: the salt, the iteration count and
-- the keys derived from the password, never the password. StoredKey = H(HMAC(SaltedPassword,
-- "Client Key")) checks a client's proof; ServerKey = HMAC(SaltedPassword, "Server Key") signs the
-- server's answer. PLAIN logins are checked against the same rows.
-- Query with: SELECT user_name, mechanism, iterations FROM scram_credentials;
CREATE TABLE scram_credentials (
    user_name   TEXT    NOT NULL,
    mechanism   TEXT    NOT NULL CHECK (mechanism IN ('SCRAM-SHA-256', 'SCRAM-SHA-512')),
    salt        BLOB    NOT NULL,
    stored_key  BLOB    NOT NULL,
    server_key  BLOB    NOT NULL,
    iterations  INTEGER NOT NULL CHECK (iterations >= 4096),
    PRIMARY KEY (user_name, mechanism)
) WITHOUT ROWID;
