// go_kv: the embedded KV store through cgo, as a Go program would use libcairn.so.
// The header comes from the repository (${SRCDIR}); the library's directory from the
// environment, as tests/integration/test_capi.py sets it:
//
//	CGO_LDFLAGS="-L<build>/lib -Wl,-rpath,<build>/lib"
//
// Usage: go run . DATA_DIR   (prints "go_kv: ok" and exits 0 when every check passes)
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
#cgo LDFLAGS: -lcairn
#include <stdlib.h>
#include "cairn/cairn.h"

// The C side of subscriptions: cgo cannot pass a Go function as a C function pointer, so the
// callback is this C function, which forwards to the exported Go one.
extern void goOnMessage(void* user, char* channel, void* msg, size_t len);
static void on_message(void* user, const char* channel, const void* msg, size_t len) {
	goOnMessage(user, (char*)channel, (void*)msg, len);
}
static cairn_status subscribe(cairn_kv* kv, const char* channel, int is_pattern, uintptr_t user,
                              cairn_kv_subscription** out) {
	return cairn_kv_subscribe(kv, channel, is_pattern, on_message, (void*)user, out);
}
*/
import "C"

import (
	"fmt"
	"os"
	"sync"
	"unsafe"
)

type message struct{ channel, body string }

// Subscriptions are looked up by a small integer handle: Go pointers may not be kept by C.
var (
	mu       sync.Mutex
	inboxes          = map[uintptr]chan message{}
	nextUser uintptr = 1
)

//export goOnMessage
func goOnMessage(user unsafe.Pointer, channel *C.char, msg unsafe.Pointer, n C.size_t) {
	mu.Lock()
	ch := inboxes[uintptr(user)]
	mu.Unlock()
	ch <- message{C.GoString(channel), C.GoStringN((*C.char)(msg), C.int(n))}
}

type kvError struct {
	op     string
	status C.cairn_status
}

func (e kvError) Error() string {
	return fmt.Sprintf("%s: %s (%s)", e.op, C.GoString(C.cairn_status_name(C.int(e.status))),
		C.GoString(C.cairn_kv_last_error()))
}

func check(op string, st C.cairn_status) {
	if st != C.CAIRN_OK {
		fail(kvError{op, st})
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go_kv:", err)
	os.Exit(1)
}

func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func set(kv *C.cairn_kv, key, val string, ttlMs int64) {
	k, v := []byte(key), []byte(val)
	check("set", C.cairn_kv_set(kv, bytesPtr(k), C.size_t(len(k)), bytesPtr(v), C.size_t(len(v)),
		C.int64_t(ttlMs)))
}

// get returns the value, growing the buffer when CAIRN_BUFFER_TOO_SMALL says so.
func get(kv *C.cairn_kv, key string) (string, C.cairn_status) {
	k := []byte(key)
	buf := make([]byte, 4)
	for {
		var n C.size_t
		st := C.cairn_kv_get(kv, bytesPtr(k), C.size_t(len(k)), bytesPtr(buf), C.size_t(len(buf)), &n)
		if st == C.CAIRN_BUFFER_TOO_SMALL {
			buf = make([]byte, int(n))
			continue
		}
		if st != C.CAIRN_OK {
			return "", st
		}
		return string(buf[:n]), st
	}
}

func incr(kv *C.cairn_kv, key string, delta int64) (int64, C.cairn_status) {
	k := []byte(key)
	var out C.int64_t
	st := C.cairn_kv_incr(kv, bytesPtr(k), C.size_t(len(k)), C.int64_t(delta), &out)
	return int64(out), st
}

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: go_kv DATA_DIR"))
	}
	dir := C.CString(os.Args[1])
	defer C.free(unsafe.Pointer(dir))
	if C.cairn_abi_version() < 2 {
		fail(fmt.Errorf("libcairn ABI %d has no KV store", int(C.cairn_abi_version())))
	}
	var kv *C.cairn_kv
	check("open", C.cairn_kv_open(dir, nil, &kv))

	set(kv, "greeting", "hello from go, longer than the first buffer", 0)
	if v, st := get(kv, "greeting"); st != C.CAIRN_OK || v != "hello from go, longer than the first buffer" {
		fail(fmt.Errorf("get greeting: %q %d", v, st))
	}
	if _, st := get(kv, "missing"); st != C.CAIRN_NOT_FOUND {
		fail(fmt.Errorf("get missing: status %d", st))
	}
	if n, st := incr(kv, "hits", 41); st != C.CAIRN_OK || n != 41 {
		fail(fmt.Errorf("incr: %d %d", n, st))
	}
	if n, st := incr(kv, "hits", 1); st != C.CAIRN_OK || n != 42 {
		fail(fmt.Errorf("incr: %d %d", n, st))
	}
	if _, st := incr(kv, "greeting", 1); st != C.CAIRN_WRONG_TYPE {
		fail(fmt.Errorf("incr of a string: status %d", st))
	}

	mu.Lock()
	user := nextUser
	nextUser++
	inbox := make(chan message, 8)
	inboxes[user] = inbox
	mu.Unlock()
	pattern := C.CString("events.*")
	defer C.free(unsafe.Pointer(pattern))
	var sub *C.cairn_kv_subscription
	check("subscribe", C.subscribe(kv, pattern, 1, C.uintptr_t(user), &sub))
	channel := C.CString("events.go")
	defer C.free(unsafe.Pointer(channel))
	body := []byte("published from go")
	var receivers C.size_t
	check("publish", C.cairn_kv_publish(kv, channel, bytesPtr(body), C.size_t(len(body)), &receivers))
	if receivers != 1 {
		fail(fmt.Errorf("publish reached %d subscribers, want 1", int(receivers)))
	}
	// The callback ran on this (the publisher's) thread, before publish returned.
	select {
	case m := <-inbox:
		if m.channel != "events.go" || m.body != "published from go" {
			fail(fmt.Errorf("received %+v", m))
		}
	default:
		fail(fmt.Errorf("no message delivered"))
	}
	C.cairn_kv_unsubscribe(sub)
	check("publish", C.cairn_kv_publish(kv, channel, bytesPtr(body), C.size_t(len(body)), &receivers))
	if receivers != 0 {
		fail(fmt.Errorf("publish after unsubscribe reached %d", int(receivers)))
	}
	C.cairn_kv_close(kv)

	check("reopen", C.cairn_kv_open(dir, nil, &kv))
	if n, st := incr(kv, "hits", 0); st != C.CAIRN_OK || n != 42 {
		fail(fmt.Errorf("after reopen: hits %d %d", n, st))
	}
	C.cairn_kv_close(kv)
	fmt.Println("go_kv: ok")
}
