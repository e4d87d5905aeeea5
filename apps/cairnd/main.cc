// cairnd: the cairn storage daemon. See README.md for flags and configuration.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "apps/cairnd/daemon.h"
#include "apps/cairnd/options.h"
#include "core/log.h"

int main(int argc, char** argv) {
  using namespace cairn;
  core::Env* env = core::Env::Default();
  cairnd::ParseOutcome outcome;
  auto options = cairnd::ResolveOptions(argc, argv, cairnd::ProcessGetEnv, env, &outcome);
  if (!options.ok()) {
    std::fprintf(stderr, "cairnd: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  if (outcome == cairnd::ParseOutcome::kExit) return 0;

  Status s = core::InitLogging(core::LogOptions{options->log_level, options->log_file});
  if (!s.ok()) {
    std::fprintf(stderr, "cairnd: %s\n", std::string(s.message()).c_str());
    return 2;
  }

  // Block the termination signals in every thread (the runtime's threads inherit the mask), then
  // wait for them synchronously here: no async-signal-safety concerns, one clean shutdown path.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  cairnd::Daemon daemon(*options, env);
  s = daemon.Start();
  if (!s.ok()) {
    spdlog::critical("cannot start: {}", s.message());
    if (!options->log_file.empty()) {
      std::fprintf(stderr, "cairnd: %s\n", std::string(s.message()).c_str());
    }
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  daemon.Stop();
  spdlog::info("stopped cleanly");
  spdlog::shutdown();
  return 0;
}
