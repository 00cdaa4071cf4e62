/* tokenizer.h — the vocabulary of a Nano model (NANO-FORMAT.md §2), internal to the engine.
 *
 * model.c checks the tokenizer section with nano_tokenizer_check() before it allocates anything,
 * then builds the encoder with nano_tokenizer_new(). The public functions (nano_encode,
 * nano_token_text, nano_token_is_special) are declared in nano.h.
 */
#ifndef NANO_TOKENIZER_H
#define NANO_TOKENIZER_H

#include "model.h"

/* Check the tokenizer section that starts at `p` (at most `avail` bytes readable) for a model with
 * `vocab_size` tokens; on success store its length in bytes. Reads nothing past `avail`. */
int nano_tokenizer_check(const uint8_t *p, size_t avail, int32_t vocab_size, size_t *section_len,
                         char *err, size_t errlen);
/* Build the encoder (a code-point trie) and the decoded token texts from a checked section. */
int nano_tokenizer_new(const uint8_t *p, int32_t vocab_size, NanoTokenizer **out);
/* Free a tokenizer (NULL is fine). */
void nano_tokenizer_free(NanoTokenizer *t);

#endif /* NANO_TOKENIZER_H */
