/* limits.h — every limit peerwork enforces, in one place, each with the reason for it.
 *
 * A limit turns an unbounded input (a body, a header list, a JSON tree, a queue) into a
 * bounded one. Crossing any of these is a clean 4xx (or a refused start-up for the
 * configuration ones), never a crash or an unbounded allocation. Policy defaults that a
 * flag can change live in config.h; here are the hard caps. */
#ifndef PW_LIMITS_H
#define PW_LIMITS_H

/* ---- HTTP transport ---------------------------------------------------------------- */
/* h2o buffers a body up to this and answers 413 itself past it; routes set tighter caps */
#define PW_HTTP_ENTITY_MAX_BYTES       (1024 * 1024)
/* a route's JSON body cap unless its row says otherwise: every form fits in 16 KiB */
#define PW_HTTP_BODY_DEFAULT_MAX_BYTES (16 * 1024)
#define PW_HTTP_HEADERS_MAX            100 /* h2o's own cap (H2O_MAX_HEADERS) on request headers; past it the request is a 400 */
/* a client that has not sent its whole request in 10 s is cut off (slowloris) */
#define PW_HTTP_REQUEST_TIMEOUT_MS     10000
#define PW_HTTP_IDLE_TIMEOUT_MS        30000 /* HTTP/2 idle connections are closed after this */
/* Open connections in all (the default of --max-connections), shared out evenly among the
 * loops: a loop at its share stops accepting, the kernel backlog holds the rest. */
#define PW_HTTP_CONNECTIONS_MAX        10000
#define PW_HTTP_CONNECTIONS_CEILING    1000000 /* the most --max-connections may ask for */
/* Descriptors kept back for the database, pipes and logs when the connection cap is
 * fitted under RLIMIT_NOFILE. */
#define PW_FD_RESERVE                  64
#define PW_HTTP_LISTEN_BACKLOG         1024 /* listen(2) backlog */
#define PW_HTTP_LOOPS_MAX              64   /* event loop threads: one per core, at most this many */
#define PW_HTTP_PATH_MAX_BYTES         2048 /* a longer request path is a 414-class 400 */
#define PW_HTTP_QUERY_PARAMS_MAX       32   /* query parameters parsed per request */
#define PW_ROUTE_PARAMS_MAX            4    /* {id}-style captures in one route pattern */
#define PW_ROUTE_PARAM_MAX_BYTES       64   /* an id in a path is at most this long */
#define PW_ROUTE_SEGMENTS_MAX          8 /* /-separated segments in a route pattern; a longer path matches no route */
#define PW_SHUTDOWN_DRAIN_MS           10000 /* on SIGTERM in-flight requests get this long to finish */

/* ---- JSON ---------------------------------------------------------------------------- */
#define PW_JSON_DEPTH_MAX        16 /* nesting deeper than any form needs; stops stack-hungry inputs */
/* an error's field name built from a body's keys ("compensation.currency"), cut there */
#define PW_ERROR_FIELD_MAX_BYTES 128

/* ---- strings in requests (bytes of UTF-8 unless the name says chars) ------------------ */
#define PW_EMAIL_MAX_BYTES           254 /* RFC 5321 path limit */
#define PW_PASSWORD_MIN_CHARS        12  /* API.md: 12..128 characters */
#define PW_PASSWORD_MAX_CHARS        128
#define PW_PASSWORD_MAX_BYTES        512 /* 128 characters of up to 4 bytes each */
#define PW_DISPLAY_NAME_MAX_CHARS    80
#define PW_TITLE_MAX_CHARS           120
#define PW_DESCRIPTION_MAX_CHARS     4000
#define PW_BIO_MAX_CHARS             1000
#define PW_TAG_MAX_CHARS             40 /* one skill or category */
#define PW_MESSAGE_MAX_CHARS         2000
#define PW_NOTE_MAX_CHARS            2000 /* submit notes, dispute reasons, review comments */
#define PW_IDEMPOTENCY_KEY_MAX_BYTES 128

/* ---- lists ------------------------------------------------------------------------- */
#define PW_PAGE_DEFAULT     20    /* API.md: ?limit= default */
#define PW_PAGE_MAX         100   /* API.md: ?limit= max */
#define PW_EXPORT_ITEMS_MAX 10000 /* GET /me/export: rows per list (entries, tasks, messages), newest first */
#define PW_CURSOR_MAX_BYTES 64

/* ---- storage ----------------------------------------------------------------------- */
#define PW_WRITER_QUEUE_MAX   8192 /* writes waiting for the writer; past it a request gets 503 with Retry-After */
#define PW_WRITER_BATCH_MAX   512  /* jobs in one group-commit transaction: bounds the time one commit holds the lock */
#define PW_DB_BUSY_TIMEOUT_MS 5000 /* a reader waits this long on a locked database (only around checkpoints) */
#define PW_STMT_CACHE_SLOTS   256  /* prepared statements cached per connection (open addressing) */

/* ---- accounts and sessions --------------------------------------------------------- */
#define PW_HASH_THREADS             2  /* argon2id at 19 MiB each: at most 2 hashes in memory at once (38 MiB) */
#define PW_HASH_QUEUE_MAX           64 /* hashes waiting; past it sign-ups and sign-ins get 429 with Retry-After */
#define PW_ARGON2_OPSLIMIT          2  /* OWASP minimum for argon2id: t=2 */
#define PW_ARGON2_MEMLIMIT_BYTES    (19u * 1024u * 1024u) /* OWASP minimum: m=19 MiB */
#define PW_SESSION_TOKEN_BYTES      32                    /* 256 random bits per token (>= 128 asked) */
#define PW_SESSION_IDLE_S           (24 * 3600)           /* a session unused for a day is dead */
#define PW_SESSION_ABSOLUTE_S       (30 * 24 * 3600)      /* and every session dies after 30 days */
#define PW_SESSION_TOUCH_INTERVAL_S 60                    /* last_seen is written at most once a minute per session */
/* Sign-in attempts count from the moment they arrive (in flight + failed, docs/SECURITY.md). */
#define PW_LOGIN_WINDOW_S           900 /* failed sign-ins are counted over 15 minutes */
#define PW_LOGIN_FAILS_PER_ACCOUNT  5 /* then that e-mail is locked for untrusted clients for the rest of the window */
/* then that device cookie is locked (OWASP device cookies: the owner's own allowance) */
#define PW_LOGIN_FAILS_PER_DEVICE   5
#define PW_LOGIN_FAILS_PER_IP       20 /* then that address is locked for everyone for the rest of the window */
/* a device cookie is trusted for a year; each sign-in issues a new one */
#define PW_DEVICE_COOKIE_MAX_AGE_S  (365 * 24 * 3600)
#define PW_THROTTLE_SLOTS           65536 /* fixed table of throttle counters: memory is bounded under a flood */

/* ---- workers ---------------------------------------------------------------------------- */
#define PW_TAGS_MAX      20  /* skills or categories per profile or task */
#define PW_RADIUS_MAX_KM 500 /* a worker's travel radius */

/* ---- tasks and dispatch ---------------------------------------------------------------- */
#define PW_GOODS_DESCRIPTION_MAX_CHARS      500 /* what a barter offers */
#define PW_TASK_DEADLINE_MAX_DAYS           365 /* a task's deadline is at most a year ahead */
#define PW_TASK_DEADLINE_MIN_S              300 /* and at least five minutes ahead: time to assign */
#define PW_TIMER_BATCH_MAX                  500 /* due timers handled per tick: bounds one transaction */
/* A task whose tick step fails is set aside (its work undone, the rest of the tick kept) and
 * retried after a back-off that doubles from BASE up to MAX (market/setaside.h). At most
 * SET_ASIDE_MAX are remembered (in memory): a few broken rows are a bug to fix, not a
 * workload; past that many something systemic is wrong, and one lookup per waiting task
 * stays cheap. A failure past the bound is still undone alone, and retried the next tick. */
#define PW_TICK_SET_ASIDE_MAX               256 /* tasks set aside at once */
/* first retry 30 s later: a transient failure (a lock, a full disk freed) is over by then */
#define PW_TICK_RETRY_BASE_MS               (30 * 1000)
/* at most an hour apart: one that keeps failing costs a savepoint and a log line an hour */
#define PW_TICK_RETRY_MAX_MS                (3600 * 1000)
#define PW_DISPATCH_BATCH_MAX               5000 /* waiting tasks considered per dispatch round */
#define PW_DISPATCH_TOP_K                   50   /* candidates per task kept for the batch solver and explanations */
#define PW_DISPATCH_SCAN_MAX                192 /* eligible workers scored for one urgent task: nearest first (local) */
#define PW_DISPATCH_BATCH_SCAN_MAX          192 /* and per task in a small batch round (nearest first), where the solver ... */
#define PW_DISPATCH_BATCH_SCAN_MIN          48     /* ... and in the largest: a round shares out ... */
#define PW_DISPATCH_ROUND_SCAN_BUDGET       400000 /* ... this many scored candidates (5000 tasks: 80 each) ... */
#define PW_DISPATCH_BATCH_TOP_K             16 /* ... picks among each task's best 16: ample alternatives when tasks compete */
#define PW_DISPATCH_MATCH_PASSES            4 /* solves per round: later ones look past workers the earlier matched */
#define PW_DISPATCH_NEAR_FACTOR             2 /* a local search meets up to 2 x its scan bound and scores the nearest */
#define PW_DISPATCH_EXAMINE_MAX             4096 /* list entries one search looks at, eligible or not (busy workers cost little) */
/* Threads a batch round's candidate searches are shared out on (--dispatch-threads; the
 * default is one per core up to this). The searches only read the index. */
#define PW_DISPATCH_SEARCH_THREADS_MAX      16
#define PW_DISPATCH_QUERY_RADIUS_KM         100   /* a local task looks this far at most (worker radii may be larger) */
#define PW_DISPATCH_EXCLUDE_MAX             64    /* workers remembered per task as tried or as a bad pairing */
#define PW_ENGINE_DIRTY_MAX                 65536 /* workers re-read after one commit; past it the index is rebuilt */
#define PW_DISPATCH_WEIGHTS_MAX_CHARS       255   /* --dispatch-weights text */
#define PW_DISPATCH_WEIGHT_NUMBER_MAX_CHARS 47    /* one value in it */
/* Probing by post-and-cancel (docs/SECURITY.md, "Locating workers"): who gets assigned
 * still says who is in radius of a point, so a client's tasks that ended with no work
 * done (cancelled, or expired unfilled: both return the escrow) are counted over a
 * rolling window, from the database; at the limit POST /tasks is 429 with Retry-After. */
#define PW_CANCEL_WINDOW_S                  (24 * 3600) /* a rolling day */
#define PW_CANCELS_PER_WINDOW               5 /* default of --cancel-limit: more than a client who means it withdraws in a day */
#define PW_CANCELS_PER_WINDOW_MAX           100000 /* the most --cancel-limit may allow */
#define PW_TIMELINE_MAX                     200    /* timeline events returned with a task */
#define PW_REMOTE_CONCURRENT_MAX            15     /* cap on --remote-cap: the index counts held tasks in 4 bits */

/* ---- ledger -------------------------------------------------------------------------- */
/* distinct object names ("compensation") amount errors are interned for; the code uses a handful */
#define PW_LEDGER_FIELD_PREFIXES_MAX     32
#define PW_LEDGER_FIELD_PREFIX_MAX_BYTES 48 /* such a name's length; a longer one is reported as the bare prefix */
/* assets one wallet lists or pages over: more than every ISO 4217 code plus TIME */
#define PW_LEDGER_WALLET_ASSETS_MAX      256

/* ---- money (ledger) ---------------------------------------------------------------- */
#define PW_ASSET_CODE_BYTES         8  /* "EUR", "TIME" + NUL, padded */
#define PW_LEDGER_KIND_BYTES        32 /* account and transfer kinds are short words */
#define PW_LEDGER_CHECK_COLUMNS_MAX 4  /* columns one of ledger verify's check queries returns */
/* per amount, 1e11 minor units (1e9 EUR): far above any task, far below overflow */
#define PW_MONEY_MAX_MINOR          100000000000LL
#define PW_CREDITS_MAX_MINUTES      100000LL /* per amount of service credits */

/* ---- the assignment solver (solve-assignment reads instances from files) ------------ */
#define PW_ASSIGN_TASKS_MAX      4000000    /* tasks in one instance */
#define PW_ASSIGN_WORKERS_MAX    1000000000 /* worker ids are below this (int32_t, untouched workers are free) */
#define PW_ASSIGN_EDGES_MAX      10000000   /* candidate edges in one instance: ~0.5 GB of working memory */
#define PW_ASSIGN_DENSE_N_MAX    32768      /* side of a dense matrix: n * n stays below 2^30 entries */
#define PW_ASSIGN_LINE_MAX_BYTES 256        /* solve-assignment: one input line, newline included */

/* ---- the dispatch index ------------------------------------------------------------- */
#define PW_INDEX_TAGS_MAX           40 /* skills + categories per worker (20 + 20, PW_TAGS_MAX each) */
/* distinct tags the index interns (16-bit ids); later ones match nobody, logged */
#define PW_INDEX_TAG_VOCABULARY_MAX 65535

/* ---- the simulator (peerwork simulate flags) ------------------------------------------ */
#define PW_SIM_WORKERS_MAX      1000000   /* ~200 bytes of state each plus their database rows */
#define PW_SIM_CLIENTS_MAX      1000000   /* ~40 bytes each plus their rows */
#define PW_SIM_HOURS_MAX        (14 * 24) /* two weeks of virtual time */
#define PW_SIM_WINDOW_S_MAX     3600      /* --batch-window-s: at most one round an hour */
#define PW_SIM_ACK_WINDOW_S_MAX 3600      /* --ack-window-s: an hour at most, as a person would */
#define PW_SIM_PATH_MAX_BYTES   4096      /* --db path */
#define PW_SIM_ACK_WINDOW_S_MIN 10        /* --ack-window-s: shorter than any reaction time we model */

/* ---- operations ---------------------------------------------------------------------- */
#define PW_ROUTES_MAX                    128   /* route table rows the request counters have room for */
#define PW_LOG_LINE_MAX_BYTES            2048  /* one log line; a longer one is cut and marked */
#define PW_LOG_FLUSH_BYTES               16384 /* a loop's request-log buffer is written out early past this */
#define PW_HISTOGRAM_BUCKETS_MAX         20    /* buckets of one /metrics histogram */
#define PW_THROTTLE_KEYS_MAX             2     /* keys one sign-in attempt is counted under: the address and one more */
#define PW_ADMIN_ASSIGN_SAMPLE_MAX       10000 /* newest first assignments sampled for the time-to-assign percentiles */
#define PW_AUDIT_DETAIL_MAX_BYTES        512 /* an audit row's detail: ids, states and counts only, never copied text */
#define PW_ADMIN_TASK_Q_MAX_CHARS        200 /* GET /admin/tasks?q=: the searched text, in characters */
#define PW_ADMIN_TASK_Q_FOLDED_MAX_BYTES (12 * PW_ADMIN_TASK_Q_MAX_CHARS + 1) /* folding may lengthen a text */
#define PW_ADMIN_TASK_SCAN_MAX           2000 /* tasks one GET /admin/tasks page reads past the filters; more: next page */
#define PW_SERIES_POINTS_MAX             1000 /* buckets of one GET /admin/metrics/series answer; more is a 422 on step */
#define PW_SERIES_STEP_S_MIN             60   /* the series' shortest bucket, in seconds */
#define PW_SERIES_STEP_S_DEFAULT         86400                 /* a day */
#define PW_SERIES_STEP_S_MAX             (100LL * 366 * 86400) /* a century: keeps step * 1000 far from overflow */
#define PW_SERIES_SPAN_S_DEFAULT         (30 * 86400)          /* from = to - 30 days when from is not given */

/* ---- live events (GET /api/v1/events, docs/internals/events.md) ----------------------- */
#define PW_EVENT_STREAMS_PER_USER_MAX 5     /* open streams of one user: a few tabs and a phone; past it 429 */
#define PW_EVENT_STREAMS_MAX          1000  /* open streams in all: each holds a connection and two buffers */
#define PW_EVENTS_HEARTBEAT_MS        15000 /* ": ping" comment so proxies and idle timeouts keep it open */
#define PW_EVENTS_HEARTBEAT_MS_MIN    50    /* --events-heartbeat-ms: the shortest (tests use 200) */
#define PW_EVENTS_HEARTBEAT_MS_MAX    60000 /* --events-heartbeat-ms: under the clients' and proxies' idle timeouts */
#define PW_EVENTS_RETENTION_S         (7 * 24 * 3600) /* events older than a week are pruned by the tick */
#define PW_EVENTS_PER_USER_KEPT_MAX   1000 /* a user's newest events kept for replay; older ones are pruned */
#define PW_EVENTS_PRUNE_ROWS_MAX      5000 /* rows one tick deletes at most: the tick stays short */
#define PW_EVENTS_SEND_ROWS_MAX       100  /* rows read for one stream at a time (replay goes on as it drains) */
#define PW_EVENTS_SCAN_ROWS_MAX       1000 /* new rows a loop looks at per turn to see whose streams to feed */
#define PW_EVENTS_PENDING_MAX_BYTES   (256 * 1024) /* a stream's unsent output; past it the slow reader is closed */
#define PW_EVENT_DATA_MAX_BYTES       512          /* one event's JSON data: ids, a status, a time, a currency */
#define PW_EVENTS_PRESENCE_MIN_INTERVAL_MS \
    1000 /* a worker's stream refreshes last_seen_at each heartbeat, at most this often */

/* ---- places (src/base/places.h; GET /api/v1/places) ------------------------------------ */
#define PW_PLACES_MAX              300000             /* rows loaded from --places at most (GeoNames >= 1000: ~135k) */
#define PW_PLACES_FILE_MAX_BYTES   (64 * 1024 * 1024) /* the --places file read whole; the built one is ~7 MB */
#define PW_PLACE_NAME_MAX_BYTES    200                /* one field of a row; a longer one makes the line bad */
#define PW_PLACES_QUERY_MAX_BYTES  100                /* q: longer than any place name anyone types */
#define PW_PLACES_LIMIT_DEFAULT    8                  /* answers when limit is not given: one autocomplete list */
#define PW_PLACES_LIMIT_MAX        50                 /* limit at most */
/* a prefix matching more rows than this is answered by walking the rows most populous first */
#define PW_PLACES_WIDE_PREFIX_ROWS 2000

/* ---- the demo (peerwork seed --demo, src/market/seed.c) ------------------------------- */
#define PW_SEED_HISTORY_DAYS 42    /* six weeks of back-dated history: every chart has weeks to show */
#define PW_SEED_TASKS_MAX    1500  /* tasks one demo posts at most (it posts ~330): the plan's array */
#define PW_SEED_JOBS_MAX     30000 /* scheduled steps at once at most (a few per open task) */

/* ---- text folding (src/base/fold.h) ----------------------------------------------------- */
/* one input folded at once: a bio (4 KB of UTF-8) or a query many times over; a longer text is refused */
#define PW_FOLD_INPUT_MAX_BYTES (64 * 1024)

/* ---- the search engine (src/search/search.h, docs/internals/search.md) ------------------ */
#define PW_SEARCH_QUERY_MAX_BYTES        500 /* q: a long request in words; "10 KB" is an error */
#define PW_SEARCH_QUERY_WORDS_MAX        16 /* words kept after stop words; more is refused (each costs postings walks) */
#define PW_SEARCH_EXPANSIONS_MAX         64 /* terms one query looks up: its words, their typo and synonym variants */
#define PW_SEARCH_TYPO_CANDIDATES_MAX    4  /* vocabulary words one misspelt word may stand for, nearest first */
#define PW_SEARCH_TYPO1_LEN_MIN          4  /* a word of 4+ characters may be one edit away from what was meant */
#define PW_SEARCH_TYPO2_LEN_MIN          8  /* of 8+ characters, two edits */
#define PW_SEARCH_PREFIX_LEN_MIN         3  /* a word being typed matches the words it begins from 3 characters */
#define PW_SEARCH_PREFIX_FILED_MAX_CHARS 8  /* prefixes filed per word: 3..8 characters (a longer one is checked) */
#define PW_SEARCH_PREFIX_CANDIDATES_MAX  4  /* words a prefix may stand for, the most common first */
#define PW_SEARCH_WORD_MAX_BYTES         40 /* a longer folded word is not indexed nor looked up (a tag is <= 40 chars) */
#define PW_SEARCH_WORD_MAX_CHARS         40 /* the same in characters: bounds the typo deletions and distance tables */
#define PW_SEARCH_RESULTS_MAX            1000 /* hits one query returns: a page, or the candidates a blend re-ranks */
#define PW_SEARCH_VOCABULARY_MAX \
    200000 /* distinct words indexed (each ~40 typo deletions); later ones logged, skipped */
#define PW_SEARCH_DOCS_MAX                10000000 /* documents in one index (32-bit slots, ~200 bytes each) */
#define PW_SEARCH_DOC_WORDS_MAX           1000     /* words of one document indexed (a 1000-char bio has ~200) */
#define PW_SEARCH_FIELD_MAX_BYTES         (8 * 1024) /* one field's text: a bio is 4 KB of UTF-8 at most, 20 tags 3.2 KB */
#define PW_SEARCH_STEMMERS_MAX            8 /* Snowball stemmers pooled per index (one per concurrent analysis) */
#define PW_SEARCH_SYNONYMS_FILE_MAX_BYTES (1024 * 1024) /* the synonyms table, read whole */
#define PW_SEARCH_SYNONYM_ROWS_MAX        10000         /* rows of the table */
#define PW_SEARCH_SYNONYM_PHRASES_MAX     8             /* phrases one row expands its word to */
#define PW_SEARCH_SYNONYM_LINE_MAX_BYTES  1000          /* one line of the table */
#define PW_SEARCH_SYNONYM_TERMS_MAX       16            /* words of one row's phrases, all told (each is looked up) */
#define PW_SEARCH_INFERRED_SKILLS_MAX     8             /* skills a query's synonym rows suggest, first ones kept */
#define PW_SEARCH_CATEGORY_MAX_BYTES      (4 * PW_TAG_MAX_CHARS + 1) /* an inferred category, as a tag */
#define PW_SEARCH_DOC_TAGS_MAX            8 /* restriction tags of one document (grid cells at a few sizes, remote) */
#define PW_SEARCH_QUERY_TAGS_MAX          1024 /* tags one query may restrict to (the cells a radius covers) */

/* GET /api/v1/search (api/search.c, market/searching.c; docs/internals/search.md, "The endpoint") */
#define PW_SEARCH_RADIUS_KM_MAX     500  /* radius_km: the widest local search */
#define PW_SEARCH_RADIUS_KM_DEFAULT 25   /* radius_km when lat/lon come without one */
#define PW_SEARCH_PRICE_TASKS_MIN   5    /* completed money tasks a price estimate needs (fewer: null, said why) */
#define PW_SEARCH_PRICE_TASKS_MAX   2000 /* the latest completed tasks an estimate reads */
#define PW_SEARCH_DIRTY_MAX         1024 /* workers re-read after one batch; more: the index is rebuilt */

#endif
