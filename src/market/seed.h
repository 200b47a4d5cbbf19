/* seed.h — `peerwork seed --demo` (seed.c): a new database filled with a small living
 * marketplace, made by the real subsystems. A subcommand of main.c's table (cli.h). */
#ifndef PW_SEED_H
#define PW_SEED_H

int pw_cmd_seed(int argc, char **argv);

#endif
