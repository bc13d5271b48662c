/*
 * schema.h: the database schema and the classes of blocks, written once
 * for both sides: the shim classifies blocks (preload/scan.c) and creates
 * the schema (preload/writer.c); the report checks LA_SCHEMA_VERSION
 * before it reads (report/db.c).  docs/schema.md explains every column.
 * Any change to a table bumps the version.
 */
#ifndef LA_SCHEMA_H
#define LA_SCHEMA_H

#define LA_SCHEMA_VERSION 4
/* The oldest version the report still reads: 3 has no reachable or
 * not_audited table (its reachable blocks are all rows of blocks). */
#define LA_SCHEMA_OLDEST 3

/* blocks.class: what the exit-time scan found a block to be (README,
 * "Classes and findings").  Every stored block has one of these. */
#define LA_CLASS_INTENTIONAL 1 /* marked, or reachable from a marked block */
#define LA_CLASS_REACHABLE 2   /* reachable from the roots */
#define LA_CLASS_LOST 3        /* neither */

#define LA_SCHEMA_STR_(x) #x
#define LA_SCHEMA_STR(x) LA_SCHEMA_STR_(x)

/* The schema's DDL, every statement IF NOT EXISTS. */
#define LA_SCHEMA_SQL \
    "CREATE TABLE IF NOT EXISTS meta(" \
    "  key TEXT PRIMARY KEY, value TEXT NOT NULL);" \
    "CREATE TABLE IF NOT EXISTS runs(" \
    "  id INTEGER PRIMARY KEY," \
    "  pid INTEGER NOT NULL, ppid INTEGER NOT NULL," \
    "  exe TEXT, cwd TEXT, session TEXT," \
    "  start_time REAL NOT NULL, end_time REAL NOT NULL," \
    "  end_reason TEXT NOT NULL," \
    "  exit_code INTEGER, signal INTEGER," \
    "  depth INTEGER NOT NULL," \
    "  complete INTEGER NOT NULL, scan INTEGER NOT NULL," \
    "  blocks INTEGER NOT NULL, bytes INTEGER NOT NULL," \
    "  scan_seconds REAL, write_seconds REAL," \
    "  stack_hits INTEGER, stack_unwinds INTEGER, stack_mismatches INTEGER," \
    "  shim_version TEXT NOT NULL," \
    "  unaudited TEXT);" \
    "CREATE TABLE IF NOT EXISTS args(" \
    "  run INTEGER NOT NULL, idx INTEGER NOT NULL, value TEXT NOT NULL," \
    "  PRIMARY KEY(run, idx)) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS modules(" \
    "  run INTEGER NOT NULL, id INTEGER NOT NULL, path TEXT NOT NULL," \
    "  base INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL," \
    "  build_id TEXT NOT NULL," \
    "  PRIMARY KEY(run, id)) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS stacks(" \
    "  run INTEGER NOT NULL, id INTEGER NOT NULL, depth INTEGER NOT NULL," \
    "  allocs INTEGER NOT NULL, bytes INTEGER NOT NULL, frees INTEGER NOT NULL," \
    "  PRIMARY KEY(run, id)) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS frames(" \
    "  run INTEGER NOT NULL, stack INTEGER NOT NULL, level INTEGER NOT NULL," \
    "  pc INTEGER NOT NULL, module INTEGER," \
    "  PRIMARY KEY(run, stack, level)) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS blocks(" \
    "  run INTEGER NOT NULL, address INTEGER NOT NULL, size INTEGER NOT NULL," \
    "  stack INTEGER NOT NULL, thread INTEGER NOT NULL, seq INTEGER NOT NULL," \
    "  mark INTEGER, class INTEGER NOT NULL, owner INTEGER," \
    "  PRIMARY KEY(run, address)) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS reachable(" \
    "  run INTEGER NOT NULL, stack INTEGER NOT NULL," \
    "  blocks INTEGER NOT NULL, bytes INTEGER NOT NULL, first_seq INTEGER NOT NULL," \
    "  PRIMARY KEY(run, stack)) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS not_audited(" \
    "  session TEXT NOT NULL, exe TEXT NOT NULL, processes INTEGER NOT NULL," \
    "  PRIMARY KEY(session, exe)) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS edges(" \
    "  run INTEGER NOT NULL, src INTEGER NOT NULL, offset INTEGER NOT NULL," \
    "  dst INTEGER NOT NULL," \
    "  PRIMARY KEY(run, src, offset)) WITHOUT ROWID;" \
    "CREATE TABLE IF NOT EXISTS marks(" \
    "  run INTEGER NOT NULL, id INTEGER NOT NULL," \
    "  block INTEGER NOT NULL, why TEXT, stack INTEGER NOT NULL," \
    "  PRIMARY KEY(run, id)) WITHOUT ROWID;" \
    "CREATE VIEW IF NOT EXISTS leak_sites AS" \
    "  SELECT b.run AS run, b.stack AS stack," \
    "         CASE b.class WHEN " LA_SCHEMA_STR(LA_CLASS_INTENTIONAL) \
    " THEN 'intentional' WHEN " LA_SCHEMA_STR(LA_CLASS_REACHABLE) \
    " THEN 'reachable'" \
    "                      ELSE 'lost' END AS class," \
    "         count(*) AS blocks, sum(b.size) AS bytes," \
    "         s.allocs AS site_allocs, s.frees AS site_frees" \
    "  FROM blocks b LEFT JOIN stacks s ON s.run = b.run AND s.id = b.stack" \
    "  GROUP BY b.run, b.stack, b.class" \
    "  UNION ALL SELECT r.run, r.stack, 'reachable', r.blocks, r.bytes," \
    "         s.allocs, s.frees" \
    "  FROM reachable r LEFT JOIN stacks s ON s.run = r.run AND s.id = r.stack;" \
    "CREATE VIEW IF NOT EXISTS frame_locations AS" \
    "  SELECT f.run AS run, f.stack AS stack, f.level AS level," \
    "         printf('0x%x', f.pc) AS pc, m.path AS module," \
    "         printf('0x%x', f.pc - m.base) AS offset" \
    "  FROM frames f LEFT JOIN modules m ON m.run = f.run AND m.id = f.module;"

#endif
