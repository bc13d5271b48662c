/*
 * leakaudit.hpp: C++ helpers over leakaudit.h, header-only.
 *
 *     Config &cfg = leakaudit::leak(std::make_unique<Config>(...), "config");
 *
 * leakaudit::leak() takes ownership of a std::unique_ptr, releases it
 * (what Rust's Box::leak does) and marks the block as an intentional leak,
 * so that what it owns is intentional too; the mark site is the caller's
 * line.  Like leak_mark(), it needs no link-time dependency and does
 * nothing more than release() without the shim.
 */
#ifndef LEAKAUDIT_HPP
#define LEAKAUDIT_HPP

#include <cassert>
#include <memory>

#include "leakaudit.h"

namespace leakaudit {

/* Leaks the object P owns for the rest of the run, marked with WHY (may be
 * null): returns it.  P must not be empty. */
template <class T>
inline T &leak(std::unique_ptr<T> p, const char *why = nullptr) noexcept
{
    T *raw = p.release();
    assert(raw != nullptr);
    ::leak_mark(raw, why);
    return *raw;
}

/* The same for an array: returns its first element. */
template <class T>
inline T *leak(std::unique_ptr<T[]> p, const char *why = nullptr) noexcept
{
    T *raw = p.release();
    if (raw)
        ::leak_mark(raw, why);
    return raw;
}

/* Marks an object already leaked some other way (a raw new kept in a
 * global): its block, wherever PTR points inside it. */
inline bool mark(const void *ptr, const char *why = nullptr) noexcept
{
    return ::leak_mark(ptr, why) == 0;
}

/* leak_snapshot(): the live blocks recorded now, the program goes on. */
inline bool snapshot() noexcept
{
    return ::leak_snapshot() == 0;
}

} // namespace leakaudit

#endif
