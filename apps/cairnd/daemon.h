// Daemon: cairnd's lifetime. Opens (creates, locks) the data directory, starts the network
// runtime and every configured listener, serves until Shutdown(), then stops in reverse order.
//
// Faces arrive with their issues; until a face exists, its port setting is validated and the
// daemon logs that the face is not part of this build instead of pretending to serve it.
//
// Thread safety: Open/Run/Shutdown from main(); Shutdown may also be called from a signal-handling
// thread.
#ifndef CAIRN_APPS_CAIRND_DAEMON_H_
#define CAIRN_APPS_CAIRND_DAEMON_H_

#include <memory>

#include "apps/cairnd/options.h"
#include "core/env/env.h"
#include "core/metrics.h"
#include "net/http_server.h"
#include "net/runtime.h"

namespace cairn::cairnd {

class Daemon {
 public:
  Daemon(DaemonOptions options, core::Env* env);
  ~Daemon();

  // Creates and locks the data directory and binds every listener.
  // Errors: kUnavailable "data directory ... is locked" when another cairnd holds it, or a port
  // in use; kFailedPrecondition / kPermissionDenied when the directory is unusable.
  Status Start();
  // Stops listeners and the runtime, releases the lock. Idempotent.
  void Stop();

  uint16_t api_port() const;

 private:
  Status OpenDataDir();
  Status StartApi();
  void RegisterApiRoutes(net::HttpRouter* router);

  DaemonOptions options_;
  core::Env* env_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<core::FileLock> lock_;
  std::unique_ptr<net::Runtime> runtime_;
  std::unique_ptr<net::HttpRouter> api_router_;
  std::unique_ptr<net::HttpServer> api_server_;
  uint64_t start_micros_ = 0;
  bool ready_ = false;
};

}  // namespace cairn::cairnd

#endif  // CAIRN_APPS_CAIRND_DAEMON_H_
