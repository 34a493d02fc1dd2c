#pragma once
// Memory for one posted handler at a time, kept inside the object that posts
// it. A PHP thread posting to an io thread would otherwise allocate the
// operation with malloc on its own thread and free it on the io thread: two
// allocator arenas touched per request, and malloc's slow path on both
// sides. Handlers that do not fit, or that come while the slot is taken, use
// operator new as before.
//
// The slot must outlive every operation allocated from it (the owner keeps
// itself alive through its own posted handlers).

#include <atomic>
#include <cstddef>
#include <new>

namespace ephpm::server {

class HandlerSlot {
public:
    void* allocate(std::size_t size) {
        if (size <= sizeof(storage_) && !used_.exchange(true, std::memory_order_acquire)) {
            return storage_;
        }
        return ::operator new(size);
    }
    void deallocate(void* pointer) noexcept {
        if (pointer == storage_) {
            used_.store(false, std::memory_order_release);
        } else {
            ::operator delete(pointer);
        }
    }

private:
    alignas(std::max_align_t) std::byte storage_[256];
    std::atomic<bool> used_{false};
};

// A standard allocator over a HandlerSlot, for asio::bind_allocator.
template <typename T>
class HandlerSlotAllocator {
public:
    using value_type = T;
    explicit HandlerSlotAllocator(HandlerSlot& slot) noexcept : slot_(&slot) {}
    template <typename U>
    HandlerSlotAllocator(const HandlerSlotAllocator<U>& other) noexcept : slot_(other.slot()) {}

    T* allocate(std::size_t n) { return static_cast<T*>(slot_->allocate(n * sizeof(T))); }
    void deallocate(T* pointer, std::size_t) noexcept { slot_->deallocate(pointer); }
    [[nodiscard]] HandlerSlot* slot() const noexcept { return slot_; }

    template <typename U>
    bool operator==(const HandlerSlotAllocator<U>& other) const noexcept {
        return slot_ == other.slot();
    }

private:
    HandlerSlot* slot_;
};

} // namespace ephpm::server
