/* asset.c — the ledger's pure rules: which assets exist, how an amount is read from
 * JSON, how it is written back, and how a payment is split into worker share, fee and
 * pool part.
 *
 * An asset is an ISO 4217 currency code from the table below (active codes, minus funds
 * and precious metals) or "TIME" (service credits in minutes). Codes are matched exactly:
 * "eur" is not "EUR". Amounts are JSON integers in minor units; a float, a string or a
 * number outside 1..max is refused with the field at fault (400 for a wrong type, 422 for
 * a wrong value), so no floating point ever reaches a balance. Error field names are
 * "amount" / "currency", or "<prefix>.amount" when the caller names the enclosing object;
 * those prefixed names are interned once in a small fixed table (pw_error keeps a pointer,
 * so the text must outlive the answer) and the bare prefix is used if the table is full. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/limits.h"
#include "ledger/ledger.h"

#define BPS_WHOLE 10000 /* basis points in a whole */

/* Sorted, for bsearch. */
static const char CURRENCIES[][4] = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC",
    "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
    "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL",
    "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
    "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
};

static int compare_code(const void *key, const void *item) { return strncmp(key, item, 3); }

int pw_asset_valid(const char *code, int allow_time)
{
    if (code == NULL)
        return 0;
    if (strcmp(code, "TIME") == 0)
        return allow_time != 0;
    if (strlen(code) != 3)
        return 0;
    for (int i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z')
            return 0;
    size_t n = sizeof(CURRENCIES) / sizeof(CURRENCIES[0]);
    return bsearch(code, CURRENCIES, n, sizeof(CURRENCIES[0]), compare_code) != NULL;
}

json_t *pw_amount_json(int64_t amount, const char *asset)
{
    return json_pack("{s:I, s:s}", "amount", (json_int_t)amount, "currency", asset);
}

/* ---- field names ---------------------------------------------------------------------- */

typedef struct field_name {
    char prefix[PW_LEDGER_FIELD_PREFIX_MAX_BYTES + 1];    /* the caller's prefix */
    char amount[PW_LEDGER_FIELD_PREFIX_MAX_BYTES + 16];   /* "<prefix>.amount" */
    char currency[PW_LEDGER_FIELD_PREFIX_MAX_BYTES + 16]; /* "<prefix>.currency" */
} field_name;

static field_name field_names[PW_LEDGER_FIELD_PREFIXES_MAX]; /* interned, never freed */
static int field_name_count;
static pthread_mutex_t field_names_lock = PTHREAD_MUTEX_INITIALIZER;

/* The error field name for "amount" (or "currency") under `prefix`. */
static const char *field(const char *prefix, int is_currency)
{
    if (prefix == NULL || prefix[0] == '\0')
        return is_currency ? "currency" : "amount";
    if (strlen(prefix) > PW_LEDGER_FIELD_PREFIX_MAX_BYTES)
        return prefix;
    const char *out = prefix;
    pthread_mutex_lock(&field_names_lock);
    int i = 0;
    while (i < field_name_count && strcmp(field_names[i].prefix, prefix) != 0)
        i++;
    if (i == field_name_count && i < PW_LEDGER_FIELD_PREFIXES_MAX) {
        field_name *f = &field_names[i];
        snprintf(f->prefix, sizeof(f->prefix), "%s", prefix);
        snprintf(f->amount, sizeof(f->amount), "%s.amount", prefix);
        snprintf(f->currency, sizeof(f->currency), "%s.currency", prefix);
        field_name_count++;
    }
    if (i < field_name_count)
        out = is_currency ? field_names[i].currency : field_names[i].amount;
    pthread_mutex_unlock(&field_names_lock);
    return out;
}

/* ---- parsing ----------------------------------------------------------------------------- */

static int parse_currency(json_t *obj, int allow_time, const char *prefix, char *out, pw_error *err)
{
    const char *name = field(prefix, 1);
    json_t *v = json_object_get(obj, "currency");
    if (v == NULL)
        return pw_error_set(err, 422, "validation_failed", name, "currency is required");
    if (!json_is_string(v))
        return pw_error_set(err, 400, "wrong_type", name, "currency must be a string");
    const char *code = json_string_value(v);
    if (strcmp(code, "TIME") == 0 && !allow_time)
        return pw_error_set(err, 422, "validation_failed", name, "service credits (TIME) are not accepted here");
    if (!pw_asset_valid(code, allow_time))
        return pw_error_set(err, 422, "validation_failed", name,
                            "currency must be an upper-case ISO 4217 code we support, like \"EUR\"");
    snprintf(out, PW_ASSET_CODE_BYTES, "%s", code);
    return 0;
}

int pw_amount_parse(json_t *obj, int allow_time, const char *field_prefix, pw_amount *out, pw_error *err)
{
    const char *name = field(field_prefix, 0);
    if (!json_is_object(obj))
        return pw_error_set(err, 400, "wrong_type", field_prefix, "expected an object {amount, currency}");
    json_t *v = json_object_get(obj, "amount");
    if (v == NULL)
        return pw_error_set(err, 422, "validation_failed", name, "amount is required");
    if (!json_is_integer(v))
        return pw_error_set(err, 400, "wrong_type", name, "amount must be an integer number of minor units");
    char asset[PW_ASSET_CODE_BYTES] = "";
    int rc = parse_currency(obj, allow_time, field_prefix, asset, err);
    if (rc != PW_OK)
        return rc;
    json_int_t amount = json_integer_value(v);
    int64_t max = strcmp(asset, "TIME") == 0 ? PW_CREDITS_MAX_MINUTES : PW_MONEY_MAX_MINOR;
    if (amount <= 0)
        return pw_error_set(err, 422, "validation_failed", name, "amount must be positive");
    if (amount > max)
        return pw_error_set(err, 422, "validation_failed", name, "amount must be at most %lld", (long long)max);
    memset(out, 0, sizeof(*out));
    out->amount = (int64_t)amount;
    memcpy(out->asset, asset, sizeof(out->asset));
    return 0;
}

/* ---- fees ------------------------------------------------------------------------------- */

/* floor(amount * bps / 10000) without overflow for any amount >= 0: split amount into
 * q * 10000 + r; q * bps <= amount and r * bps < 10^8. */
static int64_t bps_of(int64_t amount, int bps)
{
    int64_t q = amount / BPS_WHOLE, r = amount % BPS_WHOLE;
    return q * bps + r * bps / BPS_WHOLE;
}

void pw_ledger_fee_split(int64_t amount, int fee_bps, int pool_share_bps, int64_t *worker_out, int64_t *fee_out,
                         int64_t *pool_out)
{
    pw_assert(amount >= 0);
    pw_assert(fee_bps >= 0 && fee_bps <= BPS_WHOLE);
    pw_assert(pool_share_bps >= 0 && pool_share_bps <= BPS_WHOLE);
    int64_t fee = bps_of(amount, fee_bps);
    int64_t pool = bps_of(fee, pool_share_bps);
    pw_assert(fee >= 0 && fee <= amount && pool >= 0 && pool <= fee);
    *worker_out = amount - fee;
    *fee_out = fee;
    *pool_out = pool;
}
