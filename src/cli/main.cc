// cairn: the command-line tool. Subcommands: graph, hash, log, scrub, session, url, verify, version
// (more arrive with their faces).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/graph_command.h"
#include "cli/hash_command.h"
#include "cli/log_command.h"
#include "cli/scrub_command.h"
#include "cli/session_command.h"
#include "cli/url_command.h"
#include "cli/verify_command.h"
#include "core/blake3.h"

int main(int argc, char** argv) {
  using namespace cairn;
  CLI::App app{"cairn: command-line client for the cairn storage system", "cairn"};
  app.require_subcommand(1);

  cli::HashOptions hash;
  std::string backend = "auto";
  CLI::App* hash_cmd = app.add_subcommand("hash", "BLAKE3 of files (output like b3sum)");
  hash_cmd->add_option("files", hash.files, "files to hash ('-' for standard input)")->required();
  hash_cmd->add_option("--threads", hash.threads, "hashing threads (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  hash_cmd->add_option("--length", hash.length, "output length in bytes")
      ->check(CLI::Range(1, 1 << 20));
  hash_cmd->add_option("--simd", backend, "SIMD path: auto, portable, avx2, avx512")
      ->check(CLI::IsMember({"auto", "portable", "avx2", "avx512"}));
  hash_cmd->add_flag(
      "--no-progress", [&hash](int64_t) { hash.progress = false; }, "never draw a progress bar");

  cli::ScrubOptions scrub;
  CLI::App* scrub_cmd =
      app.add_subcommand("scrub", "re-verify every stored chunk (exit 1 if any is corrupt)");
  scrub_cmd->add_option("--data-dir", scrub.data_dir, "cairnd data directory")
      ->capture_default_str();

  cli::VerifyOptions verify;
  CLI::App* verify_cmd = app.add_subcommand(
      "verify", "check a chunk's Merkle proof from GET /bucket/key?proof&chunk=i (exit 1 if bad)");
  verify_cmd->add_option("--proof", verify.proof_file, "proof JSON file ('-' for stdin)")
      ->required();
  verify_cmd->add_option("--data", verify.data_file, "file with the chunk's bytes");
  verify_cmd->add_option("--root", verify.root_hex, "expected root (x-cairn-merkle-root)");

  cli::UrlOptions url;
  CLI::App* url_cmd = app.add_subcommand("url", "ephemeral URLs that need no S3 credentials");
  url_cmd->require_subcommand(1);
  CLI::App* url_create = url_cmd->add_subcommand(
      "create", "print a URL for s3://bucket/key (or a prefix) that expires after --ttl");
  url_create->add_option("target", url.target, "s3://bucket/key")->required();
  url_create->add_option("--ttl", url.ttl, "lifetime: 90s, 15m, 1h, 7d")->capture_default_str();
  url_create->add_flag("--prefix", url.prefix, "grant every key under the given prefix");
  url_create->add_flag("--write", url.write, "allow PUT as well as GET/HEAD");
  url_create->add_option("--data-dir", url.data_dir, "cairnd data directory (signing key)")
      ->capture_default_str();
  url_create->add_option("--endpoint", url.endpoint, "cairnd S3 endpoint")->capture_default_str();

  cli::SessionCliOptions session;
  CLI::App* session_cmd =
      app.add_subcommand("session", "a running cairnd's Session storage RPC, through its API port");
  session_cmd->require_subcommand(1);
  CLI::App* session_info = session_cmd->add_subcommand(
      "info", "node keys, RPC port and URL, versions (GET /api/v1/session/info)");
  CLI::App* session_stats = session_cmd->add_subcommand(
      "stats",
      "accounts, messages and bytes per namespace; cairnd scans every message "
      "(GET /api/v1/session/stats)");
  for (CLI::App* sub : {session_info, session_stats}) {
    sub->add_option("--api", session.api, "cairnd's API endpoint (api_port)")
        ->capture_default_str();
    sub->add_flag("--json", session.json, "print the JSON document as served");
    sub->add_option("--timeout", session.timeout_s, "seconds to wait for the answer")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
  }

  cli::LogCliOptions log;
  CLI::App* log_cmd =
      app.add_subcommand("log", "a running cairnd's event log (/v1/log on its API port)");
  log_cmd->require_subcommand(1);
  CLI::App* log_append = log_cmd->add_subcommand(
      "append", "append events (the arguments; none: stdin as one event, or --lines)");
  log_append->add_flag("--lines", log.lines, "stdin: one event per line");
  CLI::App* log_tail = log_cmd->add_subcommand("tail", "print the last events, one per line");
  log_tail->add_option("-n,--count", log.count, "how many")->capture_default_str();
  log_tail->add_option("--start", log.start, "from this index instead of the last N");
  log_tail->add_flag("--base64", log.base64, "print events in base64");
  CLI::App* log_head =
      log_cmd->add_subcommand("head", "print the signed tree head (a C2SP checkpoint note)");
  log_head->add_flag("--json", log.json, "the JSON document (size, root, note, key)");
  CLI::App* log_prove = log_cmd->add_subcommand(
      "prove", "print an inclusion (--index) or consistency (--first) proof as JSON");
  log_prove->add_option("--index", log.index, "event index (inclusion)");
  log_prove->add_option("--size", log.size, "tree size (default: current)");
  log_prove->add_option("--first", log.first, "older size (consistency)");
  log_prove->add_option("--second", log.second, "newer size (default: current)");
  CLI::App* log_key =
      log_cmd->add_subcommand("key", "print the verifier key that checks the stream's heads");
  CLI::App* log_verify = log_cmd->add_subcommand(
      "verify", "offline: check a head's signature and a proof against it (exit 1 if bad)");
  log_verify->add_option("--key", log.key, "verifier key (as `cairn log key` prints)")->required();
  log_verify->add_option("--head", log.head, "head note or /head JSON file ('-': stdin)")
      ->required();
  log_verify->add_option("--proof", log.proof, "proof JSON file (cairn log prove)");
  log_verify->add_option("--event", log.event, "file with the event's bytes (inclusion)");
  log_verify->add_option("--old-head", log.old_head, "the older head (consistency)");
  for (CLI::App* sub : {log_append, log_tail, log_head, log_prove, log_key}) {
    sub->add_option("stream", log.stream, "stream name")->required();
    sub->add_option("--api", log.api, "cairnd's API endpoint (api_port)")->capture_default_str();
    sub->add_option("--timeout", log.timeout_s, "seconds to wait for an answer")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
  }
  log_append->add_option("events", log.events, "events (after the stream)");

  cli::GraphCliOptions graph;
  CLI::App* graph_cmd = app.add_subcommand(
      "graph", "a graph directory, opened directly with the graph model (docs/graph.md)");
  graph_cmd->require_subcommand(1);
  CLI::App* graph_import = graph_cmd->add_subcommand(
      "import", "bulk-load an edge list (\"src dst [label]\" lines) into a new graph directory");
  graph_import->add_option("file", graph.file, "edge list file")->required();
  graph_import->add_flag(
      "--no-progress", [&graph](int64_t) { graph.progress = false; }, "never draw a progress bar");
  CLI::App* graph_neighbors =
      graph_cmd->add_subcommand("neighbors", "print a node's neighbours (ID[<TAB>LABEL] lines)");
  CLI::App* graph_bfs =
      graph_cmd->add_subcommand("bfs", "breadth-first search: ID<TAB>DEPTH lines in BFS order");
  graph_bfs->add_option("--max-depth", graph.max_depth, "stop after this many hops");
  graph_bfs->add_flag("--summary", graph.summary, "only reached nodes, levels, edges traversed");
  CLI::App* graph_path =
      graph_cmd->add_subcommand("path", "shortest path (hops, or --weight): \"A -> B\", cost");
  graph_path->add_option("--weight", graph.weight, "numeric edge property (Dijkstra)");
  CLI::App* graph_stats = graph_cmd->add_subcommand("stats", "node, edge and snapshot figures");
  CLI::App* graph_export = graph_cmd->add_subcommand(
      "export", "write every edge as src<TAB>dst[<TAB>label] (import reads it back)");
  graph_export->add_option("file", graph.file, "output file")->required();
  for (CLI::App* sub : {graph_neighbors, graph_bfs, graph_path}) {
    sub->add_option("node", graph.node, "node id, or a node key")->required();
    sub->add_option("--direction", graph.direction, "out, in or both")
        ->capture_default_str()
        ->check(CLI::IsMember({"out", "in", "both"}));
    sub->add_option("--label", graph.label, "only edges with this label");
  }
  graph_path->add_option("dst", graph.dst, "destination node (id or key)")->required();
  for (CLI::App* sub : {graph_neighbors, graph_bfs}) {
    sub->add_option("--limit", graph.limit, "print at most this many");
  }
  for (CLI::App* sub :
       {graph_import, graph_neighbors, graph_bfs, graph_path, graph_stats, graph_export}) {
    sub->add_option("--dir", graph.dir, "graph directory")->required();
    sub->add_option("--threads", graph.threads, "threads (0 = all cores)")
        ->check(CLI::Range(0, 1024));
  }

  CLI::App* version_cmd = app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);

  if (version_cmd->parsed()) {
    std::printf("cairn %s (blake3 simd: %s)\n", CAIRN_VERSION,
                core::Blake3BackendName(core::Blake3BestBackend()));
    return 0;
  }
  if (scrub_cmd->parsed()) {
    if (const char* key = std::getenv("CAIRN_MASTER_KEY")) scrub.master_key_hex = key;
    return cli::RunScrub(scrub, core::Env::Default(), stdout);
  }
  if (session_info->parsed()) {
    return cli::RunSession(cli::SessionView::kInfo, session, stdout, stderr);
  }
  if (session_stats->parsed()) {
    return cli::RunSession(cli::SessionView::kStats, session, stdout, stderr);
  }
  const std::pair<CLI::App*, cli::LogAction> log_actions[] = {
      {log_append, cli::LogAction::kAppend}, {log_tail, cli::LogAction::kTail},
      {log_head, cli::LogAction::kHead},     {log_prove, cli::LogAction::kProve},
      {log_key, cli::LogAction::kKey},       {log_verify, cli::LogAction::kVerify}};
  for (const auto& [sub, action] : log_actions) {
    if (sub->parsed()) return cli::RunLog(action, log, stdout, stderr);
  }
  const std::pair<CLI::App*, cli::GraphAction> graph_actions[] = {
      {graph_import, cli::GraphAction::kImport}, {graph_neighbors, cli::GraphAction::kNeighbors},
      {graph_bfs, cli::GraphAction::kBfs},       {graph_path, cli::GraphAction::kPath},
      {graph_stats, cli::GraphAction::kStats},   {graph_export, cli::GraphAction::kExport}};
  for (const auto& [sub, action] : graph_actions) {
    if (sub->parsed()) return cli::RunGraph(action, graph, core::Env::Default(), stdout, stderr);
  }
  if (url_create->parsed()) return cli::RunUrlCreate(url, core::Env::Default(), stdout);
  if (verify_cmd->parsed()) return cli::RunVerify(verify, core::Env::Default(), stdout);
  if (hash_cmd->parsed()) {
    if (backend != "auto") {
      core::Blake3Backend want = backend == "portable" ? core::Blake3Backend::kPortable
                                 : backend == "avx2"   ? core::Blake3Backend::kAvx2
                                                       : core::Blake3Backend::kAvx512;
      if (!core::Blake3BackendSupported(want)) {
        std::fprintf(stderr, "cairn hash: this CPU does not support the %s path\n",
                     backend.c_str());
        return 2;
      }
      hash.backend = want;
    }
    return cli::RunHash(hash, stdout).ok() ? 0 : 1;
  }
  return 0;
}
