/* fold.h — Unicode text folded for matching: what a person typed and what a profile says
 * compare equal when they differ only in case, accents or compatibility forms.
 *
 * pw_fold runs utf8proc over UTF-8 text: compatibility decomposition (NFKD: "ﬁ" -> "fi",
 * full-width letters -> ASCII), full case folding ("Straße" -> "strasse", "İ" -> "i̇" ->
 * "i"), combining marks stripped ("Crème Brûlée" -> "creme brulee"), default-ignorable
 * code points (soft hyphens, zero-width joiners) dropped, then recomposed (NFKC) so what
 * is left is short. A few letters that carry their "accent" inside the letter and so do not
 * decompose are mapped by hand to the letter people type instead: ø -> o, ł -> l, đ -> d,
 * ħ -> h, ı -> i (both cases), and æ -> ae, œ -> oe, þ -> th: the same rule as the
 * gazetteer's script (scripts/build_places.mjs). Everything else (Greek, Cyrillic, CJK, digits,
 * punctuation, spaces) passes through case-folded, so a caller decides what a word is.
 *
 * Input is refused, with a reason, when it is not valid UTF-8 (overlong forms, surrogates,
 * bytes past U+10FFFF, truncated sequences) or longer than PW_FOLD_INPUT_MAX_BYTES. Pure
 * and thread-safe: utf8proc keeps no state. */
#ifndef PW_FOLD_H
#define PW_FOLD_H
#include <stddef.h>

/* Folds in[0..in_len) into out (NUL-terminated, at most out_size bytes with the NUL) and
 * puts the folded length in *out_len (optional). PW_OK; PW_EREFUSED when the input is not
 * UTF-8, is too long, or the folded text does not fit out (then *why, optional, says which
 * in words: "not UTF-8", "too long", "does not fit"); PW_ENOMEM. Folding may lengthen a
 * text (ß -> ss, ﬃ -> ffi, ½ -> 1⁄2): a caller with no natural bound uses pw_fold_dup. */
int pw_fold(const char *in, size_t in_len, char *out, size_t out_size, size_t *out_len, const char **why);

/* Folds into a new malloc'd NUL-terminated string (*out, free it), length in *out_len
 * (optional). Same refusals as pw_fold but "does not fit". */
int pw_fold_dup(const char *in, size_t in_len, char **out, size_t *out_len, const char **why);

#endif
