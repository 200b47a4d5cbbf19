-- Secrets the server makes once and every instance shares, so a restart or another
-- instance honours what an earlier one issued. Made at start by the first instance that
-- finds one missing (src/market/devices.c); never sent to a client, never logged.
CREATE TABLE server_secrets (
    name            TEXT PRIMARY KEY,              -- 'device_cookie_mac': the device cookies' MAC key
    secret          BLOB NOT NULL,
    created_at      INTEGER NOT NULL
);
