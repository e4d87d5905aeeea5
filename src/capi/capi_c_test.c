/* Uses the C ABI from C: version, status names, BLAKE3 known answers and argument checks. */
#include <stdio.h>
#include <string.h>

#include "cairn/cairn.h"

static int failures = 0;
#define CHECK(cond)                                               \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                 \
    }                                                             \
  } while (0)

static void hex(const uint8_t* b, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) sprintf(out + 2 * i, "%02x", b[i]);
}

int main(void) {
  CHECK(strlen(cairn_version()) > 0);
  CHECK(cairn_abi_version() == CAIRN_ABI_VERSION);
  CHECK(strcmp(cairn_status_name(CAIRN_OK), "OK") == 0);
  CHECK(strcmp(cairn_status_name(CAIRN_NOT_FOUND), "NOT_FOUND") == 0);
  CHECK(strcmp(cairn_status_name(999), "UNKNOWN_CODE") == 0);

  uint8_t out[32];
  char text[65];
  CHECK(cairn_blake3("abc", 3, out, sizeof out) == CAIRN_OK);
  hex(out, 32, text);
  CHECK(strcmp(text, "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85") == 0);
  CHECK(cairn_blake3(NULL, 0, out, sizeof out) == CAIRN_OK);
  hex(out, 32, text);
  CHECK(strcmp(text, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262") == 0);
  CHECK(cairn_blake3(NULL, 5, out, sizeof out) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_blake3("abc", 3, NULL, 32) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_blake3("abc", 3, out, 0) == CAIRN_INVALID_ARGUMENT);

  if (failures == 0) printf("capi C test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
