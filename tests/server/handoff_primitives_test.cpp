// The two pieces a request crosses threads with: the futex a PHP thread
// sleeps on (php/thread_parker.hpp) and the memory a PHP thread posts its
// wake-up to the io thread in (server/handler_slot.hpp).

#include <gtest/gtest.h>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <thread>
#include <vector>

#include "php/thread_parker.hpp"
#include "server/handler_slot.hpp"

namespace ephpm::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

bool inside(const void* pointer, const server::HandlerSlot& slot) {
    const auto* p = static_cast<const std::byte*>(pointer);
    const auto* begin = reinterpret_cast<const std::byte*>(&slot);
    return p >= begin && p < begin + sizeof(slot);
}

TEST(HandlerSlot, OneAllocationAtATimeLivesInTheSlot) {
    server::HandlerSlot slot;
    void* first = slot.allocate(64);
    EXPECT_TRUE(inside(first, slot));
    // Taken: the next one comes from the heap until the first is back.
    void* second = slot.allocate(64);
    EXPECT_FALSE(inside(second, slot));
    slot.deallocate(second);
    slot.deallocate(first);
    void* again = slot.allocate(64);
    EXPECT_EQ(again, first);
    slot.deallocate(again);
}

TEST(HandlerSlot, TooLargeGoesToTheHeapAndLeavesTheSlotFree) {
    server::HandlerSlot slot;
    void* big = slot.allocate(4096);
    EXPECT_FALSE(inside(big, slot));
    void* small = slot.allocate(16);
    EXPECT_TRUE(inside(small, slot));
    slot.deallocate(small);
    slot.deallocate(big);
}

TEST(HandlerSlot, PostsFromAnotherThreadRunAndGiveTheSlotBack) {
    asio::io_context io;
    auto guard = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    server::HandlerSlot slot;
    constexpr int kPosts = 1000;
    std::atomic<int> ran{0};
    bool all_ran = true;
    for (int i = 0; i < kPosts && all_ran; ++i) {
        std::promise<void> done;
        asio::post(io.get_executor(),
                   asio::bind_allocator(server::HandlerSlotAllocator<void>(slot), [&] {
                       ran.fetch_add(1);
                       done.set_value();
                   }));
        all_ran = done.get_future().wait_for(10s) == std::future_status::ready;
    }
    guard.reset();
    if (!all_ran) io.stop();
    runner.join();
    ASSERT_TRUE(all_ran) << "a posted handler never ran";
    EXPECT_EQ(ran.load(), kPosts);
    // Every operation went back: the slot is free for the next one.
    void* next = slot.allocate(64);
    EXPECT_TRUE(inside(next, slot));
    slot.deallocate(next);
}

TEST(ThreadParker, AWakeBeforeTheSleepIsNotLost) {
    php::ThreadParker parker;
    parker.unpark();
    auto parked = std::async(std::launch::async, [&] { parker.park(); });
    EXPECT_EQ(parked.wait_for(10s), std::future_status::ready);
}

TEST(ThreadParker, ASleeperStaysAsleepUntilWoken) {
    php::ThreadParker parker;
    std::atomic<bool> woke{false};
    std::thread sleeper([&] {
        parker.park();
        woke = true;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(woke.load()) << "park() returned without an unpark()";
    parker.unpark();
    sleeper.join();
    EXPECT_TRUE(woke.load());
}

TEST(ThreadParker, EveryHandOffArrives) {
    // Ping-pong between two threads: each park() consumes exactly one
    // unpark(), so a lost wake-up hangs (and the wait below fails).
    php::ThreadParker to_worker;
    php::ThreadParker to_main;
    constexpr int kRounds = 20000;
    std::atomic<int> seen{0};
    std::thread worker([&] {
        for (int i = 0; i < kRounds; ++i) {
            to_worker.park();
            seen.fetch_add(1, std::memory_order_relaxed);
            to_main.unpark();
        }
    });
    auto rounds = std::async(std::launch::async, [&] {
        for (int i = 0; i < kRounds; ++i) {
            to_worker.unpark();
            to_main.park();
        }
    });
    ASSERT_EQ(rounds.wait_for(60s), std::future_status::ready) << "a wake-up was lost";
    worker.join();
    EXPECT_EQ(seen.load(), kRounds);
}

} // namespace
} // namespace ephpm::testing
