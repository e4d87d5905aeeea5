/* cairn C ABI: the stable interface for embedding cairn from C, Go (cgo), Python (ctypes) and
 * others. Link with -lcairn (build/release/lib/libcairn.so).
 *
 * Conventions: every function that can fail returns a cairn_status (0 = CAIRN_OK); handles are
 * opaque; no C++ exception ever crosses this boundary; strings are NUL-terminated UTF-8.
 * Functions are thread-safe unless stated otherwise.
 *
 * Version 1 carried the version queries and BLAKE3; version 2 adds the embedded KV store
 * (cairn_kv_*). The ABI only grows: CAIRN_ABI_VERSION increases when functions are added, and
 * nothing here changes meaning. */
#ifndef CAIRN_CAIRN_H_
#define CAIRN_CAIRN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_ABI_VERSION 2

#if defined(__GNUC__)
#define CAIRN_EXPORT __attribute__((visibility("default")))
#else
#define CAIRN_EXPORT
#endif

/* 0..17 mirror cairn::StatusCode; codes from 100 up exist only in the C ABI. */
typedef enum cairn_status {
  CAIRN_OK = 0,
  CAIRN_CANCELLED = 1,
  CAIRN_UNKNOWN = 2,
  CAIRN_INVALID_ARGUMENT = 3,
  CAIRN_DEADLINE_EXCEEDED = 4,
  CAIRN_NOT_FOUND = 5,
  CAIRN_ALREADY_EXISTS = 6,
  CAIRN_PERMISSION_DENIED = 7,
  CAIRN_RESOURCE_EXHAUSTED = 8,
  CAIRN_FAILED_PRECONDITION = 9,
  CAIRN_ABORTED = 10,
  CAIRN_OUT_OF_RANGE = 11,
  CAIRN_UNIMPLEMENTED = 12,
  CAIRN_INTERNAL = 13,
  CAIRN_UNAVAILABLE = 14,
  CAIRN_DATA_LOSS = 15,
  CAIRN_UNAUTHENTICATED = 16,
  CAIRN_IO_ERROR = 17,
  /* A caller-owned buffer is too small; the size needed was stored (ABI 2). */
  CAIRN_BUFFER_TOO_SMALL = 100,
  /* The key holds a value of another type, or a string that is not an integer (ABI 2). */
  CAIRN_WRONG_TYPE = 101
} cairn_status;

/* "0.1.0". The pointer is static. */
CAIRN_EXPORT const char* cairn_version(void);
/* The ABI version of the loaded library (compare with CAIRN_ABI_VERSION). */
CAIRN_EXPORT int cairn_abi_version(void);
/* "OK", "NOT_FOUND", ..., "BUFFER_TOO_SMALL", "WRONG_TYPE"; "UNKNOWN_CODE" for values outside
 * the enum. Static. */
CAIRN_EXPORT const char* cairn_status_name(int status);

/* BLAKE3 of data[0..len) into out[0..out_len) (extended output when out_len > 32).
 * Errors: CAIRN_INVALID_ARGUMENT when out is NULL, out_len is 0, or data is NULL with len > 0. */
CAIRN_EXPORT cairn_status cairn_blake3(const void* data, size_t len, uint8_t* out, size_t out_len);

/* ---- The embedded KV store (ABI 2) ----
 *
 * cairn_kv is the KV model that cairnd serves over RESP, in-process: string keys and values
 * (binary-safe), TTLs, counters and publish/subscribe. Writes go to a write-ahead log and
 * periodic snapshots under DATA_DIR/kv (the layout cairnd uses), so the data survives
 * cairn_kv_close + cairn_kv_open and crashes (up to the fsync policy). DATA_DIR/LOCK is held
 * (flock) while the store is open: a second open of the same directory, by this or another
 * process (cairnd included), fails with CAIRN_UNAVAILABLE.
 *
 * Thread safety: every cairn_kv_* function may be called concurrently on the same handle, except
 * cairn_kv_close, which must be the last call on it. Expired keys are invisible at once and are
 * removed in the background.
 *
 * Errors: the text of the last failed cairn_kv_* call on the calling thread is available from
 * cairn_kv_last_error(). A NULL handle or a NULL pointer where data is required is
 * CAIRN_INVALID_ARGUMENT. Once the write-ahead log has failed, writes return CAIRN_IO_ERROR
 * (reads go on) until the store is reopened. */

typedef struct cairn_kv cairn_kv;
typedef struct cairn_kv_subscription cairn_kv_subscription;

typedef enum cairn_kv_fsync {
  CAIRN_KV_FSYNC_EVERYSEC = 0, /* default: a background sync once a second */
  CAIRN_KV_FSYNC_ALWAYS = 1,   /* each write is durable when its call returns */
  CAIRN_KV_FSYNC_NO = 2        /* the OS decides; cairn_kv_close still syncs */
} cairn_kv_fsync;

typedef struct cairn_kv_options {
  size_t struct_size;   /* sizeof(cairn_kv_options): lets later fields be added compatibly */
  cairn_kv_fsync fsync; /* see cairn_kv_fsync */
} cairn_kv_options;

/* Fills *opts with the defaults (struct_size set, fsync everysec). */
CAIRN_EXPORT void cairn_kv_options_init(cairn_kv_options* opts);

/* Opens (creating when missing) the store in data_dir and recovers its data. opts may be NULL
 * (the defaults). On success *out is a handle to pass to cairn_kv_close.
 * Errors: CAIRN_INVALID_ARGUMENT (NULL data_dir or out, bad options), CAIRN_UNAVAILABLE
 * (data_dir locked by another user), CAIRN_IO_ERROR / CAIRN_PERMISSION_DENIED (unusable
 * directory), CAIRN_DATA_LOSS (a corrupt snapshot). */
CAIRN_EXPORT cairn_status cairn_kv_open(const char* data_dir, const cairn_kv_options* opts,
                                        cairn_kv** out);
/* Syncs and closes the store, releasing the lock. Subscriptions still open are removed and
 * freed (their handles become invalid). NULL is a no-op. */
CAIRN_EXPORT void cairn_kv_close(cairn_kv* kv);

/* Stores val under key, replacing any value and TTL. ttl_ms > 0: the key expires after that many
 * milliseconds; 0: no expiry. Errors: CAIRN_INVALID_ARGUMENT (ttl_ms < 0), CAIRN_IO_ERROR,
 * CAIRN_RESOURCE_EXHAUSTED. */
CAIRN_EXPORT cairn_status cairn_kv_set(cairn_kv* kv, const void* key, size_t key_len,
                                       const void* val, size_t val_len, int64_t ttl_ms);
/* Copies the value of key into buf[0..buf_len) and stores its length in *val_len (val_len must
 * not be NULL; buf may be NULL when buf_len is 0). Errors: CAIRN_NOT_FOUND (missing or expired),
 * CAIRN_BUFFER_TOO_SMALL (nothing copied; *val_len is the size needed), CAIRN_WRONG_TYPE. */
CAIRN_EXPORT cairn_status cairn_kv_get(cairn_kv* kv, const void* key, size_t key_len, void* buf,
                                       size_t buf_len, size_t* val_len);
/* Removes key. Errors: CAIRN_NOT_FOUND when it did not exist, CAIRN_IO_ERROR. */
CAIRN_EXPORT cairn_status cairn_kv_del(cairn_kv* kv, const void* key, size_t key_len);
/* Sets key to expire after ttl_ms milliseconds (<= 0: removes it now). *existed (may be NULL) is
 * 1 when the key existed (and the TTL was set), else 0; a missing key is not an error. */
CAIRN_EXPORT cairn_status cairn_kv_expire(cairn_kv* kv, const void* key, size_t key_len,
                                          int64_t ttl_ms, int* existed);
/* Adds delta to the integer stored at key (a missing key counts as 0) and stores the sum in
 * *result (may be NULL). Errors: CAIRN_WRONG_TYPE (the value is not a decimal 64-bit integer),
 * CAIRN_OUT_OF_RANGE (overflow). */
CAIRN_EXPORT cairn_status cairn_kv_incr(cairn_kv* kv, const void* key, size_t key_len,
                                        int64_t delta, int64_t* result);

/* Pub/sub. A message published on a channel reaches every subscription to that channel and every
 * pattern subscription whose glob pattern (*, ?, [abc], \x) matches it. Messages are not stored.
 *
 * The callback runs on the publisher's thread, inside cairn_kv_publish, before that call
 * returns: keep it short and do not block in it. channel is NUL-terminated; msg[0..len) is the
 * message; both are valid only during the call. It may call any cairn_kv_* function except
 * cairn_kv_close, including cairn_kv_unsubscribe on its own subscription. */
typedef void (*cairn_kv_message_fn)(void* user, const char* channel, const void* msg, size_t len);

/* Publishes msg on channel; *receivers (may be NULL) is how many subscriptions received it. */
CAIRN_EXPORT cairn_status cairn_kv_publish(cairn_kv* kv, const char* channel, const void* msg,
                                           size_t len, size_t* receivers);
/* Subscribes cb (called with user) to a channel, or to a glob pattern when is_pattern != 0. On
 * success *out is the subscription, to be passed to cairn_kv_unsubscribe.
 * Errors: CAIRN_INVALID_ARGUMENT (NULL kv, channel_or_pattern, cb or out). */
CAIRN_EXPORT cairn_status cairn_kv_subscribe(cairn_kv* kv, const char* channel_or_pattern,
                                             int is_pattern, cairn_kv_message_fn cb, void* user,
                                             cairn_kv_subscription** out);
/* Ends and frees a subscription. When it returns, cb is not running on any other thread and will
 * not be called again (a call in progress elsewhere is waited for), so user may be freed.
 * NULL is a no-op. */
CAIRN_EXPORT void cairn_kv_unsubscribe(cairn_kv_subscription* sub);

/* The message of the last failed cairn_kv_* call on this thread ("" when none). Valid until the
 * next cairn_kv_* call on this thread. */
CAIRN_EXPORT const char* cairn_kv_last_error(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CAIRN_CAIRN_H_ */
