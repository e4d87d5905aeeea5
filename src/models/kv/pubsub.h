// PubSub: Redis-style publish/subscribe on channels and glob patterns.
//
// A subscriber is anything implementing Subscriber (the RESP face's connections, the C ABI's
// callbacks). Publish() hands each message to every matching subscriber's Deliver() on the
// publisher's thread; Deliver must not block (the RESP face appends to a bounded output buffer
// and drops the connection when it overflows, as Redis does), so a slow subscriber never holds
// up publishers.
//
// Thread safety: every method may be called from any thread. Deliver() is called without
// PubSub's lock held, so a subscriber may unsubscribe from inside it.
#ifndef CAIRN_MODELS_KV_PUBSUB_H_
#define CAIRN_MODELS_KV_PUBSUB_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::kv {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // A message on `channel`; `pattern` is the matching pattern for pattern subscriptions, empty
  // for channel subscriptions.
  virtual void Deliver(std::string_view pattern, std::string_view channel,
                       std::string_view message) = 0;
};

class PubSub {
 public:
  // Both return the subscriber's subscription count after the call (channels + patterns).
  size_t Subscribe(const std::shared_ptr<Subscriber>& s, const std::string& channel);
  size_t PSubscribe(const std::shared_ptr<Subscriber>& s, const std::string& pattern);
  // Returns whether it was subscribed, and the count after.
  size_t Unsubscribe(Subscriber* s, const std::string& channel, bool* was = nullptr);
  size_t PUnsubscribe(Subscriber* s, const std::string& pattern, bool* was = nullptr);
  // Removes every subscription of `s` (connection closed).
  void Forget(Subscriber* s);
  std::vector<std::string> ChannelsOf(Subscriber* s);
  std::vector<std::string> PatternsOf(Subscriber* s);

  // Returns how many subscribers received the message.
  size_t Publish(const std::string& channel, const std::string& message);

  // PUBSUB CHANNELS [pattern], NUMSUB, NUMPAT.
  std::vector<std::string> ActiveChannels(std::string_view pattern);
  size_t NumSubscribers(const std::string& channel);
  size_t NumPatterns();

 private:
  size_t CountLocked(Subscriber* s);
  std::mutex mutex_;
  std::map<std::string, std::map<Subscriber*, std::weak_ptr<Subscriber>>> channels_;
  std::map<std::string, std::map<Subscriber*, std::weak_ptr<Subscriber>>> patterns_;
};

}  // namespace cairn::kv

#endif  // CAIRN_MODELS_KV_PUBSUB_H_
