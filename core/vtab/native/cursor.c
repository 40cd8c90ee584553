/*
 * The hot half of osq's virtual-table cursor, in C: xNext, xEof, xColumn and xRowid.
 *
 * SQLite calls these once per row and once per cell. Each call into JavaScript through a Deno
 * callback costs ~0.15 us, which made the callbacks, not the tables, the cost of a large scan.
 * Here the cursor serves cells from a batch that TypeScript filled (core/vtab/native_cursor.ts),
 * and calls back into TypeScript (refill) only when the batch is used up: one callback per batch
 * instead of 2 + columns per row.
 *
 * The code is built freestanding (no libc, no globals, no relocations): every SQLite function it
 * calls comes through the Api table, so the machine code can be copied into an executable page
 * and called as is. scripts/build_native_cursor.ts compiles this file and writes the bytes to
 * core/vtab/native/x86_64.ts; the layouts below must match native_cursor.ts.
 */

typedef long long i64;

/** SQLite's result setters, resolved by dlsym in the loaded libsqlite3. */
typedef struct Api {
  void (*result_null)(void *ctx);
  void (*result_int64)(void *ctx, i64 value);
  void (*result_double)(void *ctx, double value);
  void (*result_text)(void *ctx, const char *text, int bytes, void *destructor);
  void (*result_blob)(void *ctx, const void *data, int bytes, void *destructor);
} Api;

/** One cell of a batch: 16 bytes. Offsets into the arena and small integers travel as doubles. */
typedef struct Cell {
  int type;
  int bytes;
  union {
    double number;
    i64 integer;
  } value;
} Cell;

enum { CELL_NULL = 0, CELL_INTEGER = 1, CELL_INT64 = 2, CELL_DOUBLE = 3, CELL_TEXT = 4, CELL_BLOB = 5 };

/** The cursor SQLite holds: sqlite3_vtab_cursor (pVtab) followed by the batch. 72 bytes. */
typedef struct Cursor {
  void *vtab;                        /*  0: sqlite3_vtab_cursor.pVtab */
  const Api *api;                    /*  8 */
  const Cell *cells;                 /* 16: rows * columns cells, row-major */
  const char *arena;                 /* 24: text and blob bytes of the batch */
  int (*refill)(struct Cursor *);    /* 32: TypeScript: next batch, or the cancellation */
  const volatile int *cancel;        /* 40: non-zero when the query is being cancelled */
  int row;                           /* 48: current row in the batch */
  int rows;                          /* 52: rows in the batch */
  int columns;                       /* 56: cells per row */
  int done;                          /* 60: the generator has no rows after this batch */
  i64 rowid;                         /* 64 */
} Cursor;

#define TRANSIENT ((void *)-1)

int osq_next(Cursor *c) {
  c->rowid++;
  if (*c->cancel) return c->refill(c);
  if (++c->row < c->rows || c->done) return 0;
  return c->refill(c);
}

int osq_eof(Cursor *c) { return c->row >= c->rows; }

int osq_column(Cursor *c, void *ctx, int i) {
  const Api *api = c->api;
  if (c->row >= c->rows || i < 0 || i >= c->columns) {
    api->result_null(ctx);
    return 0;
  }
  const Cell *cell = &c->cells[(i64)c->row * c->columns + i];
  switch (cell->type) {
  case CELL_INTEGER:
    api->result_int64(ctx, (i64)cell->value.number);
    break;
  case CELL_INT64:
    api->result_int64(ctx, cell->value.integer);
    break;
  case CELL_DOUBLE:
    api->result_double(ctx, cell->value.number);
    break;
  case CELL_TEXT:
    api->result_text(ctx, c->arena + (i64)cell->value.number, cell->bytes, TRANSIENT);
    break;
  case CELL_BLOB:
    api->result_blob(ctx, c->arena + (i64)cell->value.number, cell->bytes, TRANSIENT);
    break;
  default:
    api->result_null(ctx);
  }
  return 0;
}

int osq_rowid(Cursor *c, i64 *out) {
  *out = c->rowid;
  return 0;
}
