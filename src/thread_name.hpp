#pragma once
// Names a thread "ephpm-<role>", so `top -H`, `ps -L` and
// /proc/<pid>/task/*/comm tell PHP threads from io threads. Named by its
// creator, right after it starts, so the name is there before anything
// waits on the thread. Linux keeps 15 characters; longer names are cut,
// never refused. The main thread is left alone: its name is the process's.

#include <pthread.h>

#include <string>
#include <thread>

namespace ephpm {

inline void name_thread(std::thread& thread, const std::string& role) {
    std::string name = "ephpm-" + role;
    if (name.size() > 15) name.resize(15);
    pthread_setname_np(thread.native_handle(), name.c_str());
}

} // namespace ephpm
