// examples/leak_helper.cc: an intentional leak in C++, with leakaudit.hpp,
// beside an accidental one.  Under leakaudit the configuration (and the
// strings and map nodes it owns) is "intentional", marked at
// load_config(); the array forget() loses is a leak.
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "leakaudit.hpp"

struct Config {
    std::string name;
    std::map<std::string, int> limits;
};

static Config &load_config()
{
    auto cfg = std::make_unique<Config>();
    cfg->name = "a configuration name long enough to live on the heap";
    cfg->limits["workers with a long enough name"] = 4;
    return leakaudit::leak(std::move(cfg), "configuration, loaded once");
}

static int *volatile sink;

__attribute__((noinline)) static void forget()
{
    sink = new int[16];
    sink = nullptr;
}

int main()
{
    Config &cfg = load_config();
    forget();
    std::printf("%s: %d\n", cfg.name.c_str(), cfg.limits.begin()->second);
    return 0;
}
