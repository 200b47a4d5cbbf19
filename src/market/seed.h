/* seed.h — `peerwork seed --demo` (seed.c, seed_data.c): a new database filled with six
 * weeks of back-dated marketplace history, made by the real subsystems on an injected
 * clock, the same for the same --seed and --now. A subcommand of main.c's table (cli.h). */
#ifndef PW_SEED_H
#define PW_SEED_H

/* 0 done; 1 failed or refused (said on standard error); 2 bad usage. */
int pw_cmd_seed(int argc, char **argv);

#endif
