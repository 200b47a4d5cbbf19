-- Accounts, sessions and idempotency records.
-- Ids are random positive 63-bit integers (opaque decimal strings in the API); times are
-- integer milliseconds since the epoch, UTC.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,          -- lower-cased; private: never logged, never public
    password_hash   TEXT NOT NULL,                 -- argon2id encoded string (libsodium)
    display_name    TEXT NOT NULL,
    roles           INTEGER NOT NULL CHECK (roles BETWEEN 1 AND 7), -- bits: 1 client, 2 worker, 4 admin
    created_at      INTEGER NOT NULL
);

CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    token_hash      BLOB NOT NULL UNIQUE,          -- BLAKE2b-256 of the token; the token itself is never stored
    csrf_token      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,              -- absolute expiry
    revoked_at      INTEGER                         -- set by sign-out or rotation
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE idempotency_keys (
    user_id         INTEGER NOT NULL REFERENCES users(id),
    route           TEXT NOT NULL,                 -- the route pattern, so one key may serve two routes
    key             TEXT NOT NULL,
    request_hash    BLOB NOT NULL,                 -- BLAKE2b-256 of method, path and body
    status          INTEGER NOT NULL,
    response        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, route, key)
);
