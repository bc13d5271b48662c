/*
 * unwind.c: the shim's own unwinder (unwind.h).
 *
 * A rule is compiled from the module's .eh_frame_hdr search table, the
 * FDE that covers the return address less one (the call), and its CIE:
 * their call frame instructions run up to that address, keeping track of
 * the CFA, of the frame pointer (rbp, DWARF register 6) and of the return
 * address (register 16) only.  Rules live in a direct-mapped table that
 * threads read without a lock (a sequence check per entry) and fill under
 * a spin lock.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "unwind.h"

#if defined(__x86_64__) && defined(HAVE__DL_FIND_OBJECT)

#define UW_BITS 14
#define UW_SIZE (1u << UW_BITS)

/* A rule, packed: state (bits 0-1), the CFA's register (bit 2: 0 rsp,
 * 1 rbp), whether rbp was saved (bit 3), where (bits 16-31, from the CFA),
 * the CFA's offset (bits 32-63). */
enum { UW_NONE, UW_OK, UW_END, UW_NO };
#define UW_STATE(r) ((unsigned)((r) & 3))
#define UW_CFA_RBP(r) (((r) >> 2) & 1)
#define UW_RBP_SAVED(r) (((r) >> 3) & 1)
#define UW_RBP_OFF(r) ((int16_t)(uint16_t)((r) >> 16))
#define UW_CFA_OFF(r) ((int32_t)(uint32_t)((r) >> 32))

struct uw_ent {
    uint64_t pc, rule;
};

static struct uw_ent uw_table[UW_SIZE] __attribute__((aligned(64)));
static int uw_lock;
static uint64_t uw_ncompiled;

/* Buckets of four ways, one cache line each: the PCs of one run's stacks
 * are a few thousand, and with one way, pairs of hot ones that shared an
 * entry compiled each other out on every unwind (cc1: 217,000 compiles
 * for 4,000 PCs). */
#define UW_WAYS 4

static inline struct uw_ent *uw_bucket(uintptr_t pc)
{
    return &uw_table[((pc * 0x9e3779b97f4a7c15ull) >> (64 - UW_BITS + 2)) * UW_WAYS];
}

static inline int uw_get_in(struct uw_ent *e, uintptr_t pc, uint64_t *rule)
{
    if (__atomic_load_n(&e->pc, __ATOMIC_ACQUIRE) != pc)
        return 0;
    uint64_t r = __atomic_load_n(&e->rule, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&e->pc, __ATOMIC_RELAXED) != pc)
        return 0;
    *rule = r;
    return 1;
}

static inline int uw_get(uintptr_t pc, uint64_t *rule)
{
    struct uw_ent *e = uw_bucket(pc);

    for (int i = 0; i < UW_WAYS; i++)
        if (uw_get_in(&e[i], pc, rule))
            return 1;
    return 0;
}

static void uw_spin_lock(void)
{
    while (__atomic_exchange_n(&uw_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&uw_lock, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static void uw_spin_unlock(void)
{
    __atomic_store_n(&uw_lock, 0, __ATOMIC_RELEASE);
}

/* Writes E (readers see its old pc, 0, or PC with its rule). */
static void uw_set(struct uw_ent *e, uintptr_t pc, uint64_t rule)
{
    __atomic_store_n(&e->pc, 0, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&e->rule, rule, __ATOMIC_RELAXED);
    __atomic_store_n(&e->pc, pc, __ATOMIC_RELEASE);
}

/* The newest rule goes first in its bucket, the others move down one
 * (the last one goes). */
static void uw_put(uintptr_t pc, uint64_t rule)
{
    struct uw_ent *e = uw_bucket(pc);

    uw_spin_lock();
    for (int i = UW_WAYS - 1; i > 0; i--)
        if (e[i - 1].pc != 0 && e[i - 1].pc != pc)
            uw_set(&e[i], e[i - 1].pc, e[i - 1].rule);
    uw_set(&e[0], pc, rule);
    uw_ncompiled++;
    uw_spin_unlock();
}

void uw_forget(void)
{
    uw_spin_lock();
    for (size_t i = 0; i < UW_SIZE; i++)
        __atomic_store_n(&uw_table[i].pc, 0, __ATOMIC_RELAXED);
    uw_spin_unlock();
}

uint64_t uw_compiled(void)
{
    return __atomic_load_n(&uw_ncompiled, __ATOMIC_RELAXED);
}

int uw_available(void)
{
    return 1;
}

/* ---- reading .eh_frame ------------------------------------------------------------- */

#define DW_EH_PE_omit 0xff
#define DW_EH_PE_absptr 0x00
#define DW_EH_PE_uleb128 0x01
#define DW_EH_PE_udata2 0x02
#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_udata8 0x04
#define DW_EH_PE_sleb128 0x09
#define DW_EH_PE_sdata2 0x0a
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_sdata8 0x0c
#define DW_EH_PE_pcrel 0x10
#define DW_EH_PE_datarel 0x30
#define DW_EH_PE_indirect 0x80

static uint64_t uw_uleb(const uint8_t **p)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;

    do {
        b = *(*p)++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

static int64_t uw_sleb(const uint8_t **p)
{
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t b;

    do {
        b = *(*p)++;
        if (shift < 64)
            v |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40))
        v |= -((int64_t)1 << shift);
    return v;
}

/* A pointer in encoding ENC at *P (DATA: the base of datarel).  0 and
 * *OK = 0 for an encoding not handled here. */
static uintptr_t uw_ptr(const uint8_t **p, uint8_t enc, uintptr_t data, int *ok)
{
    const uint8_t *at = *p;
    uintptr_t v;

    if (enc == DW_EH_PE_omit) {
        *ok = 0;
        return 0;
    }
    switch (enc & 0x0f) {
    case DW_EH_PE_absptr: memcpy(&v, at, 8); *p += 8; break;
    case DW_EH_PE_uleb128: v = (uintptr_t)uw_uleb(p); break;
    case DW_EH_PE_sleb128: v = (uintptr_t)uw_sleb(p); break;
    case DW_EH_PE_udata2: { uint16_t x; memcpy(&x, at, 2); v = x; *p += 2; break; }
    case DW_EH_PE_sdata2: { int16_t x; memcpy(&x, at, 2); v = (uintptr_t)(intptr_t)x; *p += 2; break; }
    case DW_EH_PE_udata4: { uint32_t x; memcpy(&x, at, 4); v = x; *p += 4; break; }
    case DW_EH_PE_sdata4: { int32_t x; memcpy(&x, at, 4); v = (uintptr_t)(intptr_t)x; *p += 4; break; }
    case DW_EH_PE_udata8: case DW_EH_PE_sdata8: memcpy(&v, at, 8); *p += 8; break;
    default: *ok = 0; return 0;
    }
    switch (enc & 0x70) {
    case 0: break;
    case DW_EH_PE_pcrel: v += (uintptr_t)at; break;
    case DW_EH_PE_datarel: v += data; break;
    default: *ok = 0; return 0;
    }
    if (enc & DW_EH_PE_indirect) {
        *ok = 0;
        return 0;
    }
    return v;
}

/* Where a register's value is: unchanged, at CFA + OFF, or not known here. */
enum { R_SAME, R_OFFSET, R_UNDEF, R_BAD };

struct uw_regs {
    int cfa_reg; /* 7 (rsp), 6 (rbp), or -1: not one of those */
    int64_t cfa_off;
    int rbp, ra;  /* R_* */
    int64_t rbp_off, ra_off;
};

#define UW_STATES 8

/* Runs the instructions [P, END) on R, up to TARGET (LOC: the address
 * they start at); INITIAL: the CIE's state, for DW_CFA_restore.  0, or
 * -1 for an instruction not handled here. */
static int uw_run(const uint8_t *p, const uint8_t *end, uintptr_t loc, uintptr_t target,
                  uint64_t code_align, int64_t data_align, struct uw_regs *r,
                  const struct uw_regs *initial)
{
    struct uw_regs saved[UW_STATES];
    int nsaved = 0;

    while (p < end) {
        uint8_t op = *p++, low = op & 0x3f;
        uint64_t reg = 0, delta = 0;
        int64_t off = 0;
        switch (op & 0xc0) {
        case 0x40: /* advance_loc */
            delta = low * code_align;
            goto advance;
        case 0x80: /* offset */
            reg = low;
            off = (int64_t)uw_uleb(&p) * data_align;
            goto set_offset;
        case 0xc0: /* restore */
            reg = low;
            goto restore;
        }
        switch (op) {
        case 0x00: /* nop */
            break;
        case 0x01: /* set_loc: not in .eh_frame as GCC writes it */
            return -1;
        case 0x02: delta = *p++ * code_align; goto advance;
        case 0x03: { uint16_t x; memcpy(&x, p, 2); p += 2; delta = x * code_align; goto advance; }
        case 0x04: { uint32_t x; memcpy(&x, p, 4); p += 4; delta = x * code_align; goto advance; }
        case 0x05: /* offset_extended */
            reg = uw_uleb(&p);
            off = (int64_t)uw_uleb(&p) * data_align;
            goto set_offset;
        case 0x06: /* restore_extended */
            reg = uw_uleb(&p);
            goto restore;
        case 0x07: /* undefined */
            reg = uw_uleb(&p);
            if (reg == 6)
                r->rbp = R_UNDEF;
            else if (reg == 16)
                r->ra = R_UNDEF;
            break;
        case 0x08: /* same_value */
            reg = uw_uleb(&p);
            if (reg == 6)
                r->rbp = R_SAME;
            else if (reg == 16)
                r->ra = R_BAD;
            break;
        case 0x09: /* register */
            reg = uw_uleb(&p);
            uw_uleb(&p);
            if (reg == 6)
                r->rbp = R_BAD;
            else if (reg == 16)
                r->ra = R_BAD;
            break;
        case 0x0a: /* remember_state */
            if (nsaved == UW_STATES)
                return -1;
            saved[nsaved++] = *r;
            break;
        case 0x0b: /* restore_state: the whole row, the CFA rule with it (as
                    * GCC's unwinder and libunwind read it) */
            if (nsaved == 0)
                return -1;
            *r = saved[--nsaved];
            break;
        case 0x0c: /* def_cfa */
            reg = uw_uleb(&p);
            r->cfa_reg = reg == 7 || reg == 6 ? (int)reg : -1;
            r->cfa_off = (int64_t)uw_uleb(&p);
            break;
        case 0x0d: /* def_cfa_register */
            reg = uw_uleb(&p);
            r->cfa_reg = reg == 7 || reg == 6 ? (int)reg : -1;
            break;
        case 0x0e: /* def_cfa_offset */
            r->cfa_off = (int64_t)uw_uleb(&p);
            break;
        case 0x0f: { /* def_cfa_expression */
            uint64_t n = uw_uleb(&p);
            p += n;
            r->cfa_reg = -1;
            break;
        }
        case 0x10: case 0x16: { /* expression, val_expression */
            reg = uw_uleb(&p);
            uint64_t n = uw_uleb(&p);
            p += n;
            if (reg == 6)
                r->rbp = R_BAD;
            else if (reg == 16)
                r->ra = R_BAD;
            break;
        }
        case 0x11: /* offset_extended_sf */
            reg = uw_uleb(&p);
            off = uw_sleb(&p) * data_align;
            goto set_offset;
        case 0x12: /* def_cfa_sf */
            reg = uw_uleb(&p);
            r->cfa_reg = reg == 7 || reg == 6 ? (int)reg : -1;
            r->cfa_off = uw_sleb(&p) * data_align;
            break;
        case 0x13: /* def_cfa_offset_sf */
            r->cfa_off = uw_sleb(&p) * data_align;
            break;
        case 0x14: case 0x15: /* val_offset, val_offset_sf */
            reg = uw_uleb(&p);
            if (op == 0x14)
                uw_uleb(&p);
            else
                uw_sleb(&p);
            if (reg == 6)
                r->rbp = R_BAD;
            else if (reg == 16)
                r->ra = R_BAD;
            break;
        case 0x2e: /* GNU_args_size */
            uw_uleb(&p);
            break;
        case 0x2f: /* GNU_negative_offset_extended */
            reg = uw_uleb(&p);
            off = -(int64_t)uw_uleb(&p) * data_align;
            goto set_offset;
        default:
            return -1;
        }
        continue;
    advance:
        loc += delta;
        if (loc > target)
            return 0;
        continue;
    set_offset:
        if (reg == 6) {
            r->rbp = R_OFFSET;
            r->rbp_off = off;
        } else if (reg == 16) {
            r->ra = R_OFFSET;
            r->ra_off = off;
        }
        continue;
    restore:
        if (!initial)
            return -1;
        if (reg == 6) {
            r->rbp = initial->rbp;
            r->rbp_off = initial->rbp_off;
        } else if (reg == 16) {
            r->ra = initial->ra;
            r->ra_off = initial->ra_off;
        }
        continue;
    }
    return 0;
}

/* The rule at PC, compiled from its module's unwind tables. */
static uint64_t uw_compile(uintptr_t pc)
{
    struct dl_find_object dlfo;
    int ok = 1;

    if (_dl_find_object((void *)pc, &dlfo) != 0 || !dlfo.dlfo_eh_frame)
        return UW_NO;
    const uint8_t *hdr = dlfo.dlfo_eh_frame, *p = hdr + 4;
    uintptr_t data = (uintptr_t)hdr;
    if (hdr[0] != 1 || hdr[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
        return UW_NO;
    uw_ptr(&p, hdr[1], data, &ok); /* the .eh_frame section: not needed */
    uintptr_t count = uw_ptr(&p, hdr[2], data, &ok);
    if (!ok || count == 0)
        return UW_NO;
    /* The search table: (initial location, FDE), both from HDR, sorted. */
    const int32_t *table = (const int32_t *)(const void *)p;
    size_t lo = 0, hi = count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)(data + (intptr_t)table[2 * mid]) <= pc)
            lo = mid;
        else
            hi = mid;
    }
    if ((uintptr_t)(data + (intptr_t)table[2 * lo]) > pc)
        return UW_NO;
    const uint8_t *fde = hdr + table[2 * lo + 1];
    uint32_t flen;
    memcpy(&flen, fde, 4);
    if (flen == 0 || flen == 0xffffffff)
        return UW_NO;
    const uint8_t *fde_end = fde + 4 + flen;
    uint32_t cie_off;
    memcpy(&cie_off, fde + 4, 4);
    const uint8_t *cie = fde + 4 - cie_off;
    uint32_t clen, cid;
    memcpy(&clen, cie, 4);
    memcpy(&cid, cie + 4, 4);
    if (clen == 0 || clen == 0xffffffff || cid != 0)
        return UW_NO;
    const uint8_t *cie_end = cie + 4 + clen, *c = cie + 8;
    uint8_t version = *c++;
    const char *aug = (const char *)c;
    c += strlen(aug) + 1;
    uint64_t code_align = uw_uleb(&c);
    int64_t data_align = uw_sleb(&c);
    uint64_t ra_reg = version == 1 ? *c++ : uw_uleb(&c);
    uint8_t fde_enc = DW_EH_PE_absptr;
    int zaug = aug[0] == 'z';
    if (ra_reg != 16)
        return UW_NO;
    if (zaug) {
        uint64_t n = uw_uleb(&c);
        const uint8_t *adata = c;
        for (const char *a = aug + 1; *a; a++) {
            if (*a == 'R')
                fde_enc = *adata++;
            else if (*a == 'L')
                adata++;
            else if (*a == 'P') {
                /* The personality is not needed, its size is (read
                 * without following it). */
                uint8_t penc = *adata++;
                uw_ptr(&adata, penc & 0x7f, data, &ok);
                if (!ok)
                    return UW_NO;
            } else {
                return UW_NO; /* 'S': a signal frame; others unknown */
            }
        }
        c += n;
    } else if (aug[0]) {
        return UW_NO;
    }
    /* The FDE's range. */
    const uint8_t *f = fde + 8;
    uintptr_t begin = uw_ptr(&f, fde_enc, data, &ok);
    uintptr_t range = uw_ptr(&f, fde_enc & 0x0f, data, &ok);
    if (!ok || pc < begin || pc >= begin + range)
        return UW_NO;
    if (zaug)
        f += uw_uleb(&f);
    /* The CIE's initial state, then the FDE's instructions up to PC. */
    struct uw_regs r = { .cfa_reg = -1, .rbp = R_SAME, .ra = R_BAD };
    if (uw_run(c, cie_end, 0, UINTPTR_MAX, code_align, data_align, &r, NULL) != 0)
        return UW_NO;
    struct uw_regs initial = r;
    if (uw_run(f, fde_end, begin, pc, code_align, data_align, &r, &initial) != 0)
        return UW_NO;
    if (r.ra == R_UNDEF)
        return UW_END;
    if (r.cfa_reg < 0 || r.ra != R_OFFSET || r.ra_off != -8 || r.rbp == R_BAD ||
        r.rbp == R_UNDEF || r.cfa_off < INT32_MIN || r.cfa_off > INT32_MAX ||
        (r.rbp == R_OFFSET && (r.rbp_off < INT16_MIN || r.rbp_off > INT16_MAX)))
        return UW_NO;
    uint64_t rule = UW_OK;
    rule |= (uint64_t)(r.cfa_reg == 6) << 2;
    rule |= (uint64_t)(r.rbp == R_OFFSET) << 3;
    rule |= (uint64_t)(uint16_t)(int16_t)(r.rbp == R_OFFSET ? r.rbp_off : 0) << 16;
    rule |= (uint64_t)(uint32_t)(int32_t)r.cfa_off << 32;
    return rule;
}

/* One frame up by RULE (a UW_OK one): the caller's return address, stack
 * pointer and frame pointer from this frame's (RBP NULL: not followed, for
 * a rule whose CFA is the stack pointer's).  0, or -1 when a slot lies
 * outside [LO, HI) or the stack would not go up. */
static inline int uw_step(uint64_t rule, uintptr_t *pc, uintptr_t *sp, uintptr_t *rbp,
                          uintptr_t lo, uintptr_t hi)
{
    uintptr_t frame = (UW_CFA_RBP(rule) ? *rbp : *sp) + (intptr_t)UW_CFA_OFF(rule);

    if (frame - 8 < lo || frame > hi || frame <= *sp)
        return -1;
    if (rbp && UW_RBP_SAVED(rule)) {
        uintptr_t at = frame + (intptr_t)UW_RBP_OFF(rule);
        if (at < lo || at + 8 > hi)
            return -1;
        *rbp = *(const uintptr_t *)at;
    }
    *pc = *(const uintptr_t *)(frame - 8);
    *sp = frame;
    return 0;
}

int uw_backtrace(uintptr_t ra, uintptr_t cfa, uintptr_t rbp, uintptr_t lo, uintptr_t hi,
                 uintptr_t *pcs, uintptr_t *slots, int max)
{
    uintptr_t pc = ra, sp = cfa;
    int n = 0;

    if (cfa - 8 < lo || cfa > hi)
        return -1;
    while (n < max && pc) {
        pcs[n] = pc;
        if (slots)
            slots[n] = sp - 8;
        n++;
        uint64_t rule;
        if (!uw_get(pc - 1, &rule)) {
            rule = uw_compile(pc - 1);
            uw_put(pc - 1, rule);
        }
        if (UW_STATE(rule) == UW_END)
            break;
        if (UW_STATE(rule) != UW_OK || uw_step(rule, &pc, &sp, &rbp, lo, hi) != 0)
            return -1;
    }
    return n;
}

#else /* not x86-64, or no _dl_find_object: libunwind does it all */

int uw_available(void)
{
    return 0;
}

int uw_backtrace(uintptr_t ra, uintptr_t cfa, uintptr_t rbp, uintptr_t lo, uintptr_t hi,
                 uintptr_t *pcs, uintptr_t *slots, int max)
{
    return -1;
}

void uw_forget(void)
{
}

uint64_t uw_compiled(void)
{
    return 0;
}

#endif
