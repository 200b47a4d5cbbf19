#!/usr/bin/env bash
# check_limits.sh — every limit has its name in src/base/limits.h (issue 13, DESIGN.md's "a
# limit on everything"): fails on a #define of a PW_…_MAX, PW_…_MIN, PW_…_BYTES or
# PW_…_MAX_… name anywhere else in src/. Sizes that are not limits but formats fixed by an
# encoding or an algorithm (e.g. PW_RFC3339_BYTES, the length of a formatted time) are
# listed below, each with why.
set -euo pipefail
cd "$(dirname "$0")/.."

# name:why — defined beside the format or the type they measure, not a policy
allowed=(
  "PW_RFC3339_BYTES:the length of a formatted RFC 3339 time (base/clock.h)"
  "PW_ERROR_MESSAGE_MAX_BYTES:the size of pw_error's message, beside the struct (base/error.h)"
  "PW_TIME_MAX_MS:9999-12-31T23:59:59.999Z, the last instant RFC 3339 can write (base/clock.h)"
  "PW_TOKEN_TEXT_BYTES:base64url of a 32-byte token, fixed by the encoding (market/accounts.h)"
  "PW_TOKEN_HASH_BYTES:BLAKE2b-256, fixed by the algorithm (market/accounts.h)"
  "PW_CSRF_TEXT_BYTES:base64url of 32 bytes, fixed by the encoding (market/accounts.h)"
  "PW_PASSWORD_HASH_BYTES:crypto_pwhash_STRBYTES, fixed by libsodium (market/accounts.h)"
  "PW_DEVICE_KEY_BYTES:crypto_auth_KEYBYTES, fixed by libsodium (market/devices.h)"
  "PW_DEVICE_NONCE_BYTES:a device cookie's 128 random bits, its format (market/devices.h)"
  "PW_DEVICE_COOKIE_TEXT_BYTES:base64url of the cookie's 65 bytes, its format (market/devices.h)"
)

problems=0
while IFS= read -r hit; do
  file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
  name=$(sed -E 's/^#define +([A-Z0-9_]+).*/\1/' <<<"$text")
  ok=0
  for a in "${allowed[@]}"; do [[ "${a%%:*}" == "$name" ]] && ok=1; done
  if ((ok == 0)); then
    echo "$file:$line: $name is a limit: define it in src/base/limits.h, with its reason"
    problems=$((problems + 1))
  fi
done < <(grep -rnE '^#define +PW_[A-Z0-9_]*(_MAX|_MIN|_BYTES)(_[A-Z0-9_]+)?\b' src --include='*.c' --include='*.h' \
           | grep -v '^src/base/limits.h:' || true)

if ((problems)); then
  echo "check_limits: $problems limit(s) outside src/base/limits.h"
  exit 1
fi
echo "check_limits: every PW_*_MAX/_MIN/_BYTES limit is in src/base/limits.h"
