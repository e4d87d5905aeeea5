/* Uses the C ABI from C: version, status names, BLAKE3 known answers and argument checks, and
 * every cairn_kv_* function: values, buffers, TTLs, counters, pub/sub, the data directory lock,
 * and persistence across close and open. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/cairn.h"

static int failures = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

static void hex(const uint8_t* b, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) sprintf(out + 2 * i, "%02x", b[i]);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Collects what a subscription receives. */
struct inbox {
  int count;
  char channel[64];
  char msg[64];
  size_t len;
  cairn_kv_subscription* self; /* when set, the callback unsubscribes itself */
};

static void on_message(void* user, const char* channel, const void* msg, size_t len) {
  struct inbox* in = (struct inbox*)user;
  ++in->count;
  snprintf(in->channel, sizeof in->channel, "%s", channel);
  in->len = len < sizeof in->msg ? len : sizeof in->msg;
  memcpy(in->msg, msg, in->len);
  if (in->self != NULL) {
    cairn_kv_unsubscribe(in->self);
    in->self = NULL;
  }
}

static int get_str(cairn_kv* kv, const char* key, char* buf, size_t cap) {
  size_t n = 0;
  int st = cairn_kv_get(kv, key, strlen(key), buf, cap - 1, &n);
  buf[st == CAIRN_OK ? n : 0] = '\0';
  return st;
}

static void test_kv(const char* dir) {
  cairn_kv_options opts;
  cairn_kv_options_init(&opts);
  CHECK(opts.struct_size == sizeof opts && opts.fsync == CAIRN_KV_FSYNC_EVERYSEC);
  opts.fsync = CAIRN_KV_FSYNC_ALWAYS;
  cairn_kv* kv = NULL;
  CHECK(cairn_kv_open(NULL, NULL, &kv) == CAIRN_INVALID_ARGUMENT);
  CHECK(strlen(cairn_kv_last_error()) > 0);
  CHECK(cairn_kv_open(dir, &opts, &kv) == CAIRN_OK);
  if (kv == NULL) return;

  /* The data directory is locked: a second open fails cleanly. */
  cairn_kv* again = NULL;
  CHECK(cairn_kv_open(dir, NULL, &again) == CAIRN_UNAVAILABLE);
  CHECK(again == NULL);
  CHECK(strstr(cairn_kv_last_error(), "locked") != NULL);

  /* set / get, binary values, buffer sizes. */
  char buf[64];
  size_t n = 0;
  CHECK(cairn_kv_set(kv, "k", 1, "hello", 5, 0) == CAIRN_OK);
  CHECK(get_str(kv, "k", buf, sizeof buf) == CAIRN_OK && strcmp(buf, "hello") == 0);
  CHECK(cairn_kv_get(kv, "k", 1, buf, 2, &n) == CAIRN_BUFFER_TOO_SMALL && n == 5);
  CHECK(cairn_kv_get(kv, "k", 1, NULL, 0, &n) == CAIRN_BUFFER_TOO_SMALL && n == 5);
  CHECK(cairn_kv_get(kv, "k", 1, buf, sizeof buf, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_kv_get(kv, "missing", 7, buf, sizeof buf, &n) == CAIRN_NOT_FOUND);
  CHECK(cairn_kv_set(kv, "bin\0key", 7, "a\0b", 3, 0) == CAIRN_OK);
  CHECK(cairn_kv_get(kv, "bin\0key", 7, buf, sizeof buf, &n) == CAIRN_OK && n == 3 &&
        memcmp(buf, "a\0b", 3) == 0);
  CHECK(cairn_kv_set(kv, "empty", 5, NULL, 0, 0) == CAIRN_OK);
  CHECK(cairn_kv_get(kv, "empty", 5, NULL, 0, &n) == CAIRN_OK && n == 0);
  CHECK(cairn_kv_set(kv, "k", 1, "x", 1, -1) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_kv_set(NULL, "k", 1, "x", 1, 0) == CAIRN_INVALID_ARGUMENT);

  /* del */
  CHECK(cairn_kv_del(kv, "empty", 5) == CAIRN_OK);
  CHECK(cairn_kv_del(kv, "empty", 5) == CAIRN_NOT_FOUND);

  /* TTLs: through set and through expire. */
  int existed = -1;
  CHECK(cairn_kv_set(kv, "short", 5, "v", 1, 50) == CAIRN_OK);
  CHECK(cairn_kv_set(kv, "later", 5, "v", 1, 0) == CAIRN_OK);
  CHECK(cairn_kv_expire(kv, "later", 5, 50, &existed) == CAIRN_OK && existed == 1);
  CHECK(cairn_kv_expire(kv, "nokey", 5, 50, &existed) == CAIRN_OK && existed == 0);
  CHECK(cairn_kv_set(kv, "long", 4, "v", 1, 3600 * 1000) == CAIRN_OK);
  CHECK(get_str(kv, "short", buf, sizeof buf) == CAIRN_OK);
  sleep_ms(120);
  CHECK(get_str(kv, "short", buf, sizeof buf) == CAIRN_NOT_FOUND);
  CHECK(get_str(kv, "later", buf, sizeof buf) == CAIRN_NOT_FOUND);
  CHECK(get_str(kv, "long", buf, sizeof buf) == CAIRN_OK);
  CHECK(cairn_kv_set(kv, "gone", 4, "v", 1, 0) == CAIRN_OK);
  CHECK(cairn_kv_expire(kv, "gone", 4, 0, &existed) == CAIRN_OK && existed == 1);
  CHECK(get_str(kv, "gone", buf, sizeof buf) == CAIRN_NOT_FOUND);

  /* incr */
  int64_t v = 0;
  CHECK(cairn_kv_incr(kv, "ctr", 3, 5, &v) == CAIRN_OK && v == 5);
  CHECK(cairn_kv_incr(kv, "ctr", 3, -7, &v) == CAIRN_OK && v == -2);
  CHECK(get_str(kv, "ctr", buf, sizeof buf) == CAIRN_OK && strcmp(buf, "-2") == 0);
  CHECK(cairn_kv_incr(kv, "k", 1, 1, &v) == CAIRN_WRONG_TYPE);
  CHECK(strstr(cairn_kv_last_error(), "not an integer") != NULL);
  CHECK(cairn_kv_set(kv, "big", 3, "9223372036854775807", 19, 0) == CAIRN_OK);
  CHECK(cairn_kv_incr(kv, "big", 3, 1, &v) == CAIRN_OUT_OF_RANGE);

  /* pub/sub: a channel, a pattern, and a subscription that ends itself in its callback. */
  struct inbox chan = {0}, pat = {0}, once = {0};
  cairn_kv_subscription *s1 = NULL, *s2 = NULL, *s3 = NULL;
  size_t receivers = 99;
  CHECK(cairn_kv_subscribe(kv, "news", 0, on_message, &chan, &s1) == CAIRN_OK);
  CHECK(cairn_kv_subscribe(kv, "n*", 1, on_message, &pat, &s2) == CAIRN_OK);
  CHECK(cairn_kv_subscribe(kv, "news", 0, on_message, &once, &s3) == CAIRN_OK);
  once.self = s3;
  CHECK(cairn_kv_subscribe(kv, "news", 0, NULL, NULL, &s3) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_kv_publish(kv, "news", "hi", 2, &receivers) == CAIRN_OK && receivers == 3);
  CHECK(chan.count == 1 && strcmp(chan.channel, "news") == 0 && chan.len == 2 &&
        memcmp(chan.msg, "hi", 2) == 0);
  CHECK(pat.count == 1 && strcmp(pat.channel, "news") == 0);
  CHECK(once.count == 1);
  CHECK(cairn_kv_publish(kv, "nope", "x", 1, &receivers) == CAIRN_OK && receivers == 1);
  CHECK(pat.count == 2 && strcmp(pat.channel, "nope") == 0);
  cairn_kv_unsubscribe(s1);
  CHECK(cairn_kv_publish(kv, "news", "again", 5, &receivers) == CAIRN_OK && receivers == 1);
  CHECK(chan.count == 1 && once.count == 1 && pat.count == 3);
  /* s2 stays open: close frees it. */
  cairn_kv_close(kv);

  /* Persistence: everything written (and the TTLs) is there after reopening. */
  kv = NULL;
  CHECK(cairn_kv_open(dir, NULL, &kv) == CAIRN_OK);
  if (kv == NULL) return;
  CHECK(get_str(kv, "k", buf, sizeof buf) == CAIRN_OK && strcmp(buf, "hello") == 0);
  CHECK(cairn_kv_get(kv, "bin\0key", 7, buf, sizeof buf, &n) == CAIRN_OK && n == 3);
  CHECK(get_str(kv, "ctr", buf, sizeof buf) == CAIRN_OK && strcmp(buf, "-2") == 0);
  CHECK(get_str(kv, "long", buf, sizeof buf) == CAIRN_OK);
  CHECK(get_str(kv, "short", buf, sizeof buf) == CAIRN_NOT_FOUND);
  CHECK(get_str(kv, "empty", buf, sizeof buf) == CAIRN_NOT_FOUND);
  CHECK(cairn_kv_set(kv, "dies", 4, "v", 1, 60) == CAIRN_OK);
  cairn_kv_close(kv);
  sleep_ms(120);
  kv = NULL;
  CHECK(cairn_kv_open(dir, NULL, &kv) == CAIRN_OK);
  if (kv == NULL) return;
  CHECK(get_str(kv, "dies", buf, sizeof buf) == CAIRN_NOT_FOUND);
  CHECK(get_str(kv, "k", buf, sizeof buf) == CAIRN_OK);
  cairn_kv_close(kv);
  cairn_kv_close(NULL);
  cairn_kv_unsubscribe(NULL);
}

int main(void) {
  CHECK(strlen(cairn_version()) > 0);
  CHECK(cairn_abi_version() == CAIRN_ABI_VERSION);
  CHECK(strcmp(cairn_status_name(CAIRN_OK), "OK") == 0);
  CHECK(strcmp(cairn_status_name(CAIRN_NOT_FOUND), "NOT_FOUND") == 0);
  CHECK(strcmp(cairn_status_name(999), "UNKNOWN_CODE") == 0);
  CHECK(strcmp(cairn_status_name(CAIRN_BUFFER_TOO_SMALL), "BUFFER_TOO_SMALL") == 0);
  CHECK(strcmp(cairn_status_name(CAIRN_WRONG_TYPE), "WRONG_TYPE") == 0);

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

  const char* tmp = getenv("TMPDIR");
  char dir[512];
  snprintf(dir, sizeof dir, "%s/cairn-capi-test.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  test_kv(dir);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);

  if (failures == 0) printf("capi C test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
