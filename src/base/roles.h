/* roles.h — what a user may be; a user holds any combination (a bit set). */
#ifndef PW_ROLES_H
#define PW_ROLES_H

enum { PW_ROLE_CLIENT = 1, PW_ROLE_WORKER = 2, PW_ROLE_ADMIN = 4 };

#endif
