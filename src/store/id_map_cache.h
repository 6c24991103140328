// The ID mapper's bounded cache: (peer index, original id) → local id, in
// a fixed table of 2^k slots indexed by hash. A new entry overwrites what
// its slot held, so memory never grows and nothing allocates after
// construction; Clear is O(1) (a generation bump). Not thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace brs::store {

class IdMapCache {
 public:
  // `slots` is rounded up to a power of two; 0 disables the cache.
  explicit IdMapCache(size_t slots) {
    if (slots == 0) return;
    size_t n = 1;
    while (n < slots) n <<= 1;
    slots_.resize(n);
    mask_ = n - 1;
  }

  std::optional<int64_t> Get(uint32_t peer, int64_t key) const {
    if (slots_.empty()) return std::nullopt;
    const Slot& s = slots_[Index(peer, key)];
    if (s.generation != generation_ || s.peer != peer || s.key != key) return std::nullopt;
    return s.value;
  }
  void Put(uint32_t peer, int64_t key, int64_t value) {
    if (slots_.empty()) return;
    slots_[Index(peer, key)] = Slot{key, value, generation_, peer};
  }
  void Clear() { ++generation_; }
  size_t slots() const { return slots_.size(); }

 private:
  struct Slot {
    int64_t key = 0;
    int64_t value = 0;
    uint64_t generation = 0;  // valid when equal to the cache's
    uint32_t peer = 0;
  };
  size_t Index(uint32_t peer, int64_t key) const {
    uint64_t h = static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ull +
                 static_cast<uint64_t>(peer) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    return static_cast<size_t>(h) & mask_;
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  uint64_t generation_ = 1;
};

}  // namespace brs::store
