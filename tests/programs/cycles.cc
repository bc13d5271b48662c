// cycles.cc: C++ ownership gone wrong and right.
//   cycle        two shared_ptr nodes owning each other (make_shared: one
//                block each, pointed to inside)
//   leak         a unique_ptr released and dropped: Session::open (1 block)
//   intentional  a registry kept for the whole run, marked
// The pointers die in frames that are scrubbed before main returns.
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "leakaudit.h"

namespace app {

struct Node {
    std::shared_ptr<Node> other;
    long payload[4];
};

struct Session {
    int fd;
    char buf[120];
    static Session *open(int fd);
};

__attribute__((noinline)) Session *Session::open(int fd)
{
    auto s = std::make_unique<Session>();
    s->fd = fd;
    return s.release();
}

__attribute__((noinline)) void make_cycle()
{
    auto a = std::make_shared<Node>();
    auto b = std::make_shared<Node>();
    a->other = b;
    b->other = a;
}

__attribute__((noinline)) void forget_session()
{
    static Session *volatile last __attribute__((unused));
    last = Session::open(3);
    last = nullptr;
}

__attribute__((noinline)) void keep_registry()
{
    auto *names = new std::vector<std::string>{ "a fairly long name, on the heap", "another long name, also on the heap" };
    leak_mark(names, "registry for the whole run");
}

} // namespace app

__attribute__((noinline)) static void scrub()
{
    volatile char zeros[32768];
    memset(const_cast<char *>(zeros), 0, sizeof zeros);
}

int main()
{
    app::make_cycle();
    app::forget_session();
    app::keep_registry();
    scrub();
    dprintf(1, "cycles done\n");
    return 0;
}
