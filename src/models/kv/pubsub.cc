#include "models/kv/pubsub.h"

#include "models/kv/kv_store.h"

namespace cairn::kv {

size_t PubSub::CountLocked(Subscriber* s) {
  size_t n = 0;
  for (auto& [name, subs] : channels_) n += subs.count(s);
  for (auto& [name, subs] : patterns_) n += subs.count(s);
  return n;
}

size_t PubSub::Subscribe(const std::shared_ptr<Subscriber>& s, const std::string& channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  channels_[channel][s.get()] = s;
  return CountLocked(s.get());
}

size_t PubSub::PSubscribe(const std::shared_ptr<Subscriber>& s, const std::string& pattern) {
  std::lock_guard<std::mutex> lock(mutex_);
  patterns_[pattern][s.get()] = s;
  return CountLocked(s.get());
}

size_t PubSub::Unsubscribe(Subscriber* s, const std::string& channel, bool* was) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = channels_.find(channel);
  bool removed = it != channels_.end() && it->second.erase(s) > 0;
  if (it != channels_.end() && it->second.empty()) channels_.erase(it);
  if (was != nullptr) *was = removed;
  return CountLocked(s);
}

size_t PubSub::PUnsubscribe(Subscriber* s, const std::string& pattern, bool* was) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = patterns_.find(pattern);
  bool removed = it != patterns_.end() && it->second.erase(s) > 0;
  if (it != patterns_.end() && it->second.empty()) patterns_.erase(it);
  if (was != nullptr) *was = removed;
  return CountLocked(s);
}

void PubSub::Forget(Subscriber* s) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto* table : {&channels_, &patterns_}) {
    for (auto it = table->begin(); it != table->end();) {
      it->second.erase(s);
      it = it->second.empty() ? table->erase(it) : std::next(it);
    }
  }
}

std::vector<std::string> PubSub::ChannelsOf(Subscriber* s) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (auto& [name, subs] : channels_) {
    if (subs.count(s)) out.push_back(name);
  }
  return out;
}

std::vector<std::string> PubSub::PatternsOf(Subscriber* s) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (auto& [name, subs] : patterns_) {
    if (subs.count(s)) out.push_back(name);
  }
  return out;
}

size_t PubSub::Publish(const std::string& channel, const std::string& message) {
  struct Target {
    std::shared_ptr<Subscriber> sub;
    std::string pattern;
  };
  std::vector<Target> targets;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = channels_.find(channel);
    if (it != channels_.end()) {
      for (auto& [ptr, weak] : it->second) {
        if (auto sp = weak.lock()) targets.push_back({sp, ""});
      }
    }
    for (auto& [pattern, subs] : patterns_) {
      if (!GlobMatch(pattern, channel)) continue;
      for (auto& [ptr, weak] : subs) {
        if (auto sp = weak.lock()) targets.push_back({sp, pattern});
      }
    }
  }
  for (const Target& t : targets) t.sub->Deliver(t.pattern, channel, message);
  return targets.size();
}

std::vector<std::string> PubSub::ActiveChannels(std::string_view pattern) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (auto& [name, subs] : channels_) {
    if (pattern.empty() || GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

size_t PubSub::NumSubscribers(const std::string& channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : it->second.size();
}

size_t PubSub::NumPatterns() {
  std::lock_guard<std::mutex> lock(mutex_);
  return patterns_.size();
}

}  // namespace cairn::kv
