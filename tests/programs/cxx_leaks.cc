// cxx_leaks.cc: C++ allocations through operator new.  Widget::make leaks a
// Widget on every call (4 of 4), a std::string buffer is marked intentional
// through the C header, and a vector grows and is freed.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <unistd.h>

#include "leakaudit.h"

namespace shapes {

struct Widget {
    int id;
    double size[7];
    static Widget *make(int id);
};

__attribute__((noinline)) Widget *Widget::make(int id)
{
    Widget *w = new Widget();
    w->id = id;
    return w;
}

} // namespace shapes

static shapes::Widget *volatile sink;
static volatile int four = 4;

int main()
{
    for (int i = 0; i < four; i++)
        sink = shapes::Widget::make(i);
    std::vector<int> v;
    for (int i = 0; i < 1000; i++)
        v.push_back(i);
    auto *name = new std::string(100, 'x'); // two blocks: string and buffer
    leak_mark(name, "program name, kept for the whole run");
    leak_mark(name->data(), "its buffer");
    sink = nullptr;
    dprintf(1, "cxx done %zu\n", v.size());
    return 0;
}
